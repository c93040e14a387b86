"""Storage targets on their own: moto's S3 server over HTTP on loopback, and a folder."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from media_pub.errors import StorageError
from media_pub.site import cache_control, content_type
from media_pub.storage import LocalStorage, Upload
from media_pub.storage.s3 import S3Storage

sys.path.insert(0, str(Path(__file__).parent))
from s3_server import ACCESS_KEY, SECRET_KEY, aws_env, bucket, s3_endpoint  # noqa: E402,F401


def upload(tmp_path: Path, key: str, data: bytes) -> Upload:
    path = tmp_path / "src" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Upload(key, path, len(data), content_type(key), cache_control(key))


@pytest.mark.parametrize("key, expected", [
    ("media/show/ep.mp3", "audio/mpeg"),
    ("media/show/ep.m4a", "audio/x-m4a"),
    ("media/film/part-1.mp4", "video/mp4"),
    ("art/show.png", "image/png"),
    ("art/show/ep.jpg", "image/jpeg"),
    ("feeds/show.xml", "application/rss+xml; charset=utf-8"),
    ("feeds/show.json", "application/feed+json; charset=utf-8"),
    ("embed/index.json", "application/json; charset=utf-8"),
    ("embed/show/ep.oembed.json", "application/json; charset=utf-8"),
    ("chapters/show/ep.json", "application/json+chapters; charset=utf-8"),
    ("embed/show/ep.html", "text/html; charset=utf-8"),
    ("transcripts/show/ep.vtt", "text/vtt; charset=utf-8"),
    ("transcripts/show/ep.srt", "application/x-subrip; charset=utf-8"),
    ("misc/unknown.bin", "application/octet-stream"),
])
def test_every_key_gets_its_content_type(key, expected):
    assert content_type(key) == expected


def test_feeds_and_pages_are_cached_briefly_media_for_long():
    assert cache_control("feeds/show.xml") == cache_control("embed/index.json") == "public, max-age=300"
    assert cache_control("embed/show/ep.oembed.json") == cache_control("embed/show/ep.html") == "public, max-age=300"
    assert cache_control("media/show/ep.mp3") == cache_control("art/show.jpg") == "public, max-age=31536000"


def s3(bucket, prefix="site", **kwargs) -> S3Storage:
    return S3Storage(f"s3://{bucket.name}/{prefix}", endpoint_url=bucket.proxy.url, region="us-east-1", **kwargs)


def test_s3_target_uses_path_style_and_no_default_checksum_trailers(tmp_path, bucket):
    store = s3(bucket)
    failures = store.upload([upload(tmp_path, "media/show/ep.mp3", b"x" * 2048)])

    assert failures == {}
    (method, path, _), headers = bucket.proxy.requests[-1], bucket.proxy.headers[-1]
    assert method == "PUT" and path == f"/{bucket.name}/site/media/show/ep.mp3"    # path-style
    assert not any(h.startswith("x-amz-checksum-") or h == "x-amz-trailer" for h in headers)
    assert "aws-chunked" not in headers.get("content-encoding", "")
    head = bucket.head("site/media/show/ep.mp3")
    assert head["ContentType"] == "audio/mpeg" and head["CacheControl"] == "public, max-age=31536000"


def test_s3_acl_is_sent_only_when_configured(tmp_path, bucket):
    s3(bucket).upload([upload(tmp_path, "a.jpg", b"a")])
    s3(bucket, acl="public-read").upload([upload(tmp_path, "b.jpg", b"b")])
    acl = {path.rsplit("/", 1)[1]: h.get("x-amz-acl") for (m, path, _), h in
           zip(bucket.proxy.requests, bucket.proxy.headers, strict=True) if m == "PUT"}
    assert acl == {"a.jpg": None, "b.jpg": "public-read"}


def test_s3_listing_hides_state_and_reads_missing_keys_as_none(tmp_path, bucket):
    store = s3(bucket)
    store.upload([upload(tmp_path, "feeds/show.xml", b"<rss/>"), upload(tmp_path, "art/show.jpg", b"jpg")])
    store.put_bytes(".media-pub/manifest.json", b"{}", "application/json", "no-store")
    bucket.client.put_object(Bucket=bucket.name, Key="elsewhere/x", Body=b"not ours")
    bucket.proxy.clear()

    listed = store.list(start_after=".media-pub/~")

    assert set(listed) == {"feeds/show.xml", "art/show.jpg"} and listed["feeds/show.xml"].size == 6
    assert bucket.proxy.count() == 1
    assert store.get(".media-pub/manifest.json") == b"{}" and store.get("nothing/here") is None


def test_s3_failures_name_the_key_and_leave_the_old_object(tmp_path, bucket):
    store = s3(bucket)
    store.upload([upload(tmp_path, "feeds/show.xml", b"old")])
    bucket.proxy.fail = lambda method, path: method == "PUT"
    bucket.proxy.clear()

    failures = store.upload([upload(tmp_path, "feeds/show.xml", b"new")])

    assert list(failures) == ["feeds/show.xml"]
    assert failures["feeds/show.xml"].startswith(
        f"s3://{bucket.name}/site/feeds/show.xml: upload failed: InternalError")
    assert bucket.read("site/feeds/show.xml") == b"old"
    assert sum(1 for m, _, _ in bucket.proxy.requests if m == "PUT") == 2   # tried twice (AWS_MAX_ATTEMPTS=2)


def test_s3_without_credentials_is_one_clear_error(bucket, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(StorageError, match="no AWS credentials found") as caught:
        s3(bucket).get(".media-pub/manifest.json")
    assert str(caught.value).startswith(f"s3://{bucket.name}/site/.media-pub/manifest.json: reading failed")


def test_s3_unknown_profile_and_bad_target_are_config_errors(aws_env):
    with pytest.raises(StorageError, match="storage.profile: AWS profile 'nobody' not found"):
        S3Storage("s3://bucket/site", profile="nobody")
    with pytest.raises(StorageError, match="storage.target: must look like s3://bucket/prefix"):
        S3Storage("s3:///site")


def test_boto_debug_logging_never_shows_credentials(tmp_path, bucket, caplog):
    caplog.set_level(logging.DEBUG)          # what -v does to the root logger
    store = s3(bucket)
    store.upload([upload(tmp_path, "feeds/show.xml", b"<rss/>")])
    store.list()
    with pytest.raises(StorageError):
        S3Storage(f"s3://{bucket.name}/site", endpoint_url="http://127.0.0.1:9", region="us-east-1").list()

    assert ACCESS_KEY not in caplog.text and SECRET_KEY not in caplog.text
    assert "Authorization" not in caplog.text


def test_s3_delete_removes_only_the_named_keys(tmp_path, bucket):
    store = s3(bucket)
    store.upload([upload(tmp_path, k, b"x") for k in ("a/1.mp3", "a/2.mp3", "b/3.mp3")])
    assert store.delete(["a/1.mp3", "b/3.mp3"]) == {}
    assert bucket.keys() == {"site/a/2.mp3"}


def test_s3_lock_excludes_a_second_holder(bucket):
    first, second = s3(bucket), s3(bucket)
    with first.lock("first"):
        with pytest.raises(StorageError, match=r"another publish to this target is running \(first"):
            with second.lock("second"):
                pass
    with second.lock("second"):
        pass
    assert bucket.keys() == set()


# -- local folder ------------------------------------------------------------------------

def test_local_upload_replaces_atomically_and_lists_without_dot_files(tmp_path):
    store = LocalStorage(tmp_path / "www")
    assert store.upload([upload(tmp_path, "feeds/show.xml", b"one"), upload(tmp_path, "media/s/e.mp3", b"mp3")]) == {}
    (tmp_path / "www/.media-pub").mkdir()
    (tmp_path / "www/.media-pub/manifest.json").write_text("{}")
    (tmp_path / "www/feeds/.draft.xml").write_text("hidden")

    assert set(store.list()) == {"feeds/show.xml", "media/s/e.mp3"}
    assert store.upload([upload(tmp_path, "feeds/show.xml", b"two")]) == {}
    assert (tmp_path / "www/feeds/show.xml").read_bytes() == b"two"
    assert store.is_folder(tmp_path / "www" / ".." / "www") and not store.is_folder(tmp_path)


def test_local_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    store = LocalStorage(tmp_path / "www")
    store.upload([upload(tmp_path, "feeds/show.xml", b"old")])
    missing = Upload("feeds/show.xml", tmp_path / "gone.xml", 3, "application/rss+xml", "public, max-age=300")

    failures = store.upload([missing])

    assert list(failures) == ["feeds/show.xml"]
    assert (tmp_path / "www/feeds/show.xml").read_bytes() == b"old"
    assert [p.name for p in (tmp_path / "www/feeds").iterdir()] == ["show.xml"]


def test_local_keys_cannot_leave_the_folder(tmp_path):
    with pytest.raises(StorageError, match="escapes the target folder"):
        LocalStorage(tmp_path / "www").put_bytes("../outside.txt", b"x", "text/plain", "no-store")
    assert not (tmp_path / "outside.txt").exists()


def test_s3_lock_still_works_where_conditional_puts_are_not_implemented(bucket):
    bucket.proxy.reject_conditional_puts = True
    first, second = s3(bucket), s3(bucket)
    with first.lock("first"):
        assert b'"first"' in bucket.read("site/.media-pub/lock")
        with pytest.raises(StorageError, match=r"another publish to this target is running \(first"):
            with second.lock("second"):
                pass
    assert bucket.keys() == set()
