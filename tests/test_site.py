"""site.py owns the output layout: keys, URLs and their inverse, and the headers of every
key. A real build walked through `serve` and through `publish` to moto gives identical
Content-Type and Cache-Control for every key it wrote."""

from __future__ import annotations

import http.client
import sys
import threading
from pathlib import Path

import pytest

from media_pub import config, site
from media_pub.build import build
from media_pub.publish import publish
from media_pub.serve import make_server

sys.path.insert(0, str(Path(__file__).parent))
from project_factory import make_episode, make_show, write_site  # noqa: E402
from s3_server import aws_env, bucket, s3_endpoint  # noqa: E402,F401

BASE = "https://media.example.org/"


def test_url_and_key_of_are_inverse_for_every_kind_of_key():
    keys = [site.feed_key("a"), site.json_feed_key("a"), site.media_key("a", "ep 1", ".mp3"),
            site.artwork_key("a", ".jpg"), site.episode_image_key("a", "ép", ".png"),
            site.chapters_key("a", "b"), site.transcript_key("a", "b", ".srt"), site.show_page_key("a"),
            site.show_oembed_key("a"), site.episode_page_key("a", "b"), site.oembed_key("a", "b"),
            site.peaks_key("a", "b"), site.asset_key("player.js"), site.INDEX_KEY]
    for key in keys:
        assert site.key_of(BASE, site.url(BASE, key)) == key
    assert site.key_of(BASE, "https://elsewhere.example/feeds/a.xml") is None
    assert site.key_of(BASE, BASE + "media/../../etc/passwd") is None
    assert site.key_of(BASE, BASE + "feeds/a.xml?utm=1#x") == "feeds/a.xml"


def test_every_key_belongs_to_its_show_and_phase():
    assert [site.show_of(k) for k in (site.feed_key("s"), site.media_key("s", "e", ".mp3"),
                                      site.artwork_key("s", ".jpg"), site.show_oembed_key("s"),
                                      site.asset_key("player.css"), site.INDEX_KEY)] == \
        ["s", "s", "s", "s", None, None]
    order = [site.phase_of(k) for k in (site.media_key("s", "e", ".mp3"), site.oembed_key("s", "e"),
                                        site.show_oembed_key("s"), site.feed_key("s"), site.INDEX_KEY)]
    assert order == sorted(order) and order[0] < order[1] == order[2] < order[3] < order[4]
    assert not site.is_published(site.clip_key("s", "c.mp4"))
    assert not site.is_published(site.state_key("manifest.json"))


def test_the_websites_pages_are_keys_too():
    pages = [site.site_show_key("s"), site.site_episode_key("s", "e 1"), site.SITE_INDEX_KEY,
             site.SITEMAP_KEY]
    for key in pages:
        assert site.key_of(BASE, site.url(BASE, key)) == key
        # published with the players: after the media they show, before the feeds
        assert site.phase_of(key) == site.Phase.PAGES
    assert [site.show_of(k) for k in pages] == ["s", "s", None, None]
    assert site.content_type(site.SITEMAP_KEY) == "application/xml; charset=utf-8"
    assert site.content_type(site.SITE_INDEX_KEY) == "text/html; charset=utf-8"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """A real build: an audio show with chapters and a transcript, and a video show."""
    root = tmp_path_factory.mktemp("site")
    write_site(root, BASE)
    make_show(root, "talk")
    make_episode(root, "talk", "one", extra='transcript = "one.vtt"\n'
                 'chapters = [ { start = "00:00:00", title = "Start" } ]\n')
    (root / "episodes/talk/one.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "utf-8")
    (root / "episodes/talk/one.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n", "utf-8")
    make_episode(root, "talk", "two", extra='transcript = "one.srt"\n')
    make_show(root, "films", medium="video")
    make_episode(root, "films", "part-1", media_suffix=".mp4", video=True)
    report = build(config.load(root, {}))
    assert not report.failed
    out = root / "public"
    keys = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
                  and site.is_published(p.relative_to(out).as_posix()))
    return root, out, keys


def test_serve_and_publish_send_identical_headers_for_every_built_key(built_site, bucket, tmp_path):
    root, out, keys = built_site
    kinds = {site.media_type(k) for k in keys}
    assert {"audio/mpeg", "video/mp4", "application/rss+xml", "application/feed+json", "text/html",
            "application/json+chapters", "text/vtt", "application/x-subrip"} <= kinds

    settings = config.load(root, {"MEDIA_PUB_STORAGE_TARGET": f"s3://{bucket.name}/site",
                                  "MEDIA_PUB_STORAGE_ENDPOINT_URL": bucket.proxy.url,
                                  "MEDIA_PUB_STORAGE_REGION": "us-east-1"})
    report = publish(settings, out=out)
    assert report.ok and set(report.uploaded) == set(keys)

    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for key in keys:
            stored = bucket.head(f"site/{key}")
            connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
            connection.request("HEAD", "/" + key)
            served = connection.getresponse()
            served.read()
            connection.close()
            assert served.status == 200, key
            assert served.getheader("Content-Type") == stored["ContentType"] == site.content_type(key), key
            assert served.getheader("Cache-Control") == stored["CacheControl"] == site.cache_control(key), key
    finally:
        server.shutdown()
        server.server_close()
