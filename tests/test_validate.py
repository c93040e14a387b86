"""validate: one small feed per rule that breaks exactly that rule, and a good feed that passes.

The feeds point into a real build directory (a real MP3 from ffmpeg, real images from
Pillow), so the checks that read files run on real bytes.
"""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from media_pub.checks import (
    Severity,
    podcast_guid,
    validate_feed,
    validate_json_feed,
)

BASE = "https://media.example.org/"
FEED_URL = BASE + "feeds/show.xml"
GUID = str(podcast_guid(FEED_URL))

GOOD = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Locked Up Living</title>
  <link>https://example.org/show</link>
  <description><![CDATA[<p>Restorative justice &amp; mental health.</p>]]></description>
  <language>en-gb</language>
  <atom:link href="{FEED_URL}" rel="self" type="application/rss+xml"/>
  <lastBuildDate>Fri, 20 Nov 2026 09:00:00 GMT</lastBuildDate>
  <itunes:author>The Network</itunes:author>
  <itunes:owner><itunes:name>Ann</itunes:name><itunes:email>ann@example.org</itunes:email></itunes:owner>
  <itunes:image href="{BASE}art/show.jpg"/>
  <itunes:category text="Health &amp; Fitness"><itunes:category text="Mental Health"/></itunes:category>
  <itunes:category text="Society &amp; Culture"/>
  <itunes:explicit>false</itunes:explicit>
  <itunes:type>episodic</itunes:type>
  <podcast:guid>{GUID}</podcast:guid>
  <podcast:medium>podcast</podcast:medium>
  <podcast:locked>yes</podcast:locked>
  <item>
    <title>If there is trauma, there will have been harm</title>
    <link>https://example.org/show/ep1</link>
    <description><![CDATA[<p>Notes</p>]]></description>
    <guid isPermaLink="false">6f1c1c8e-5a0e-4c8e-9a55-1b2b3c4d5e6f</guid>
    <pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate>
    <enclosure url="{BASE}media/show/ep1.mp3" length="LENGTH1" type="audio/mpeg"/>
    <itunes:duration>2</itunes:duration>
    <itunes:explicit>false</itunes:explicit>
    <itunes:episode>1</itunes:episode>
    <itunes:image href="{BASE}art/show/ep1.png"/>
    <podcast:transcript url="{BASE}transcripts/show/ep1.vtt" type="text/vtt"/>
  </item>
  <item>
    <title>Second</title>
    <guid isPermaLink="false">second-episode</guid>
    <pubDate>Sat, 21 Nov 2026 09:00:00 +0000</pubDate>
    <enclosure url="{BASE}media/show/ep2.m4a" length="LENGTH2" type="audio/x-m4a"/>
    <itunes:duration>3</itunes:duration>
    <itunes:episode>2</itunes:episode>
  </item>
</channel>
</rss>
"""


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """A build directory with real media and artwork, and the good feed pointing into it."""
    from media_factory import make_audio, make_image

    root = tmp_path_factory.mktemp("build")
    ep1 = make_audio(root / "media/show/ep1.mp3", seconds=2.0)
    ep2 = make_audio(root / "media/show/ep2.m4a", seconds=3.0)
    make_image(root / "art/show.jpg", size=1400)
    (root / "art/show").mkdir(parents=True)
    Image.new("RGB", (1400, 1400), (10, 120, 200)).save(root / "art/show/ep1.png")
    (root / "transcripts/show").mkdir(parents=True)
    (root / "transcripts/show/ep1.vtt").write_text("WEBVTT\n")
    good = GOOD.replace("LENGTH1", str(ep1.stat().st_size)).replace("LENGTH2", str(ep2.stat().st_size))
    return root, good


def check(build, *replacements: tuple[str, str]):
    """Validate the good feed with each (old, new) replaced; every old must be present."""
    root, feed = build
    for old, new in replacements:
        assert old in feed, old
        feed = feed.replace(old, new, 1)
    return validate_feed(feed.encode(), build_dir=root, base_url=BASE)


def rules(findings, severity=None):
    return {f.rule for f in findings if severity is None or f.severity is severity}


def only(findings, rule, severity=Severity.ERROR):
    """The findings are exactly this rule at this severity (at least one)."""
    assert findings, "expected a finding"
    assert {(f.rule, f.severity) for f in findings} == {(rule, severity)}, [f.line() for f in findings]
    return findings


def test_the_good_feed_passes(build):
    assert check(build) == []


def test_a_finding_reads_as_one_line(build):
    (finding,) = check(build, ("<itunes:explicit>false</itunes:explicit>\n  <itunes:type>",
                               "<itunes:explicit>maybe</itunes:explicit>\n  <itunes:type>"))
    assert finding.line() == ("ERROR apple.explicit channel/itunes:explicit: 'maybe' is not true or "
                              "false (fix: write true or false)")


# -- structure ---------------------------------------------------------------------------

def test_malformed_xml(build):
    only(check(build, ("Locked Up Living", "Locked & Loaded")), "xml.wellformed")


def test_not_rss():
    only(validate_feed(b"<feed xmlns='http://www.w3.org/2005/Atom'/>"), "rss.channel")


def test_rss_version(build):
    only(check(build, ('<rss version="2.0"', '<rss version="0.91"')), "rss.version")


def test_non_utf8_encoding_is_a_warning(build):
    root, feed = build
    data = feed.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    only(validate_feed(data, build_dir=root, base_url=BASE), "rss.encoding", Severity.WARNING)


def test_itunes_namespace_missing(build):
    findings = check(build, ('xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
                             'xmlns:itunes="http://example.org/itunes"'))
    assert "apple.namespace" in rules(findings)


def test_itunes_namespace_wrong_case(build):
    findings = check(build, ('xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
                             'xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd"'))
    # every itunes: tag is now foreign to Apple, so the required ones are missing too
    assert "apple.namespace" in rules(findings)
    assert any("case-sensitive" in f.fix for f in findings)


@pytest.mark.parametrize("tag", ["title", "link", "description"])
def test_required_channel_elements(build, tag):
    _root, feed = build
    start = feed.index(f"<{tag}>")
    end = feed.index(f"</{tag}>", start) + len(f"</{tag}>")
    only(check(build, (feed[start:end], "")), f"rss.channel.{tag}")


def test_no_items(build):
    _root, feed = build
    start, end = feed.index("<item>"), feed.rindex("</item>") + len("</item>")
    only(check(build, (feed[start:end], "")), "rss.item.none")


def test_item_title(build):
    only(check(build, ("<title>Second</title>", "")), "rss.item.title")


def test_feed_size_warning(build):
    notes = "<p>" + "x" * 3000 + "</p>"
    root, feed = build
    item = feed[feed.index("<item>"):feed.index("</item>") + 7]
    many = "".join(item.replace("6f1c1c8e-5a0e-4c8e-9a55-1b2b3c4d5e6f", f"g{n}")
                   .replace("ep1.mp3", f"ep1.mp3?n={n}").replace("<p>Notes</p>", notes) for n in range(400))
    findings = validate_feed(feed.replace(item, many).encode(), build_dir=root, base_url=BASE)
    only(findings, "feed.size", Severity.WARNING)


# -- channel values ----------------------------------------------------------------------

def test_description_over_4000_bytes(build):
    # 2000 two-byte characters: 2000 characters but 4000+ bytes
    only(check(build, ("<p>Notes</p>", "<p>" + "é" * 2000 + "</p>")), "apple.description.length")


def test_title_over_255_characters(build):
    only(check(build, ("<title>Second</title>", f"<title>{'a' * 256}</title>")), "apple.length")


def test_leading_space_is_a_warning(build):
    only(check(build, ("<title>Second</title>", "<title> Second</title>")), "apple.whitespace",
         Severity.WARNING)


@pytest.mark.parametrize("value", ["english", "xx", "en_GB", "en-GBR", ""])
def test_language(build, value):
    only(check(build, ("<language>en-gb</language>", f"<language>{value}</language>")), "apple.language")


@pytest.mark.parametrize("value", ["en", "en-us", "pt-BR", "es-419"])
def test_language_accepted(build, value):
    assert check(build, ("<language>en-gb</language>", f"<language>{value}</language>")) == []


@pytest.mark.parametrize("old, new", [
    ('text="Society &amp; Culture"', 'text="Society and Culture"'),            # not Apple's string
    ('text="Society &amp; Culture"', 'text="society &amp; culture"'),          # case matters
    ('text="Mental Health"', 'text="Mindfulness"'),                            # unknown subcategory
    ('text="Mental Health"', 'text="Documentary"'),                            # wrong parent
    ('<itunes:category text="Society &amp; Culture"/>', '<itunes:category text="Mental Health"/>'),
])
def test_category(build, old, new):
    only(check(build, (old, new)), "apple.category")


def test_category_missing(build):
    _root, feed = build
    start = feed.index("<itunes:category")
    end = feed.index('<itunes:category text="Society &amp; Culture"/>') + len(
        '<itunes:category text="Society &amp; Culture"/>')
    only(check(build, (feed[start:end], "")), "apple.category")


def test_category_fix_names_the_parent(build):
    (finding,) = check(build, ('<itunes:category text="Society &amp; Culture"/>',
                               '<itunes:category text="Mental Health"/>'))
    assert "Health & Fitness" in finding.fix


def test_explicit_missing(build):
    only(check(build, ("<itunes:explicit>false</itunes:explicit>\n  <itunes:type>", "<itunes:type>")),
         "apple.explicit")


@pytest.mark.parametrize("value", ["yes", "clean", "no"])
def test_explicit_legacy_values_warn(build, value):
    only(check(build, ("<itunes:explicit>false</itunes:explicit>\n  <itunes:type>",
                       f"<itunes:explicit>{value}</itunes:explicit>\n  <itunes:type>")),
         "apple.explicit", Severity.WARNING)


def test_item_explicit_invalid(build):
    only(check(build, ("<itunes:explicit>false</itunes:explicit>\n    <itunes:episode>",
                       "<itunes:explicit>1</itunes:explicit>\n    <itunes:episode>")), "apple.explicit")


@pytest.mark.parametrize("value", ["", "ann", "ann@", "ann@example", "Ann &lt;ann@example.org&gt;"])
def test_owner_email(build, value):
    only(check(build, ("<itunes:email>ann@example.org</itunes:email>", f"<itunes:email>{value}</itunes:email>")),
         "apple.owner.email")


def test_owner_missing(build):
    _root, feed = build
    start = feed.index("<itunes:owner>")
    end = feed.index("</itunes:owner>") + len("</itunes:owner>")
    only(check(build, (feed[start:end], "")), "apple.owner.email")


def test_author_missing_is_a_warning(build):
    only(check(build, ("<itunes:author>The Network</itunes:author>", "")), "apple.author", Severity.WARNING)


def test_show_type(build):
    only(check(build, ("<itunes:type>episodic</itunes:type>", "<itunes:type>serialized</itunes:type>")),
         "apple.type")


def test_serial_show_needs_episode_numbers(build):
    only(check(build, ("<itunes:type>episodic</itunes:type>", "<itunes:type>serial</itunes:type>"),
                      ("<itunes:episode>2</itunes:episode>", "")), "apple.serial.episode")


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "one"])
def test_episode_number(build, value):
    only(check(build, ("<itunes:episode>2</itunes:episode>", f"<itunes:episode>{value}</itunes:episode>")),
         "apple.episode")


def test_season_number(build):
    only(check(build, ("<itunes:episode>2</itunes:episode>",
                       "<itunes:episode>2</itunes:episode><itunes:season>0</itunes:season>")), "apple.season")


def test_episode_type(build):
    only(check(build, ("<itunes:episode>2</itunes:episode>",
                       "<itunes:episode>2</itunes:episode><itunes:episodeType>teaser</itunes:episodeType>")),
         "apple.episode_type")


def test_block_warns(build):
    only(check(build, ("<itunes:type>episodic</itunes:type>",
                       "<itunes:type>episodic</itunes:type><itunes:block>Yes</itunes:block>")),
         "apple.block", Severity.WARNING)


def test_atom_self_missing_is_a_warning(build):
    only(check(build, (f'<atom:link href="{FEED_URL}" rel="self" type="application/rss+xml"/>', "")),
         "rss.atom_self", Severity.WARNING)


# -- artwork (real images) ---------------------------------------------------------------

def art(build, name, image_or_bytes, href_ext=None):
    """Put an image in the build dir and point the show's itunes:image at it."""
    root, _ = build
    path = root / "art" / name
    if isinstance(image_or_bytes, bytes):
        path.write_bytes(image_or_bytes)
    else:
        fmt = {".jpg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}[path.suffix]
        image_or_bytes.save(path, fmt)
    return check(build, (f'<itunes:image href="{BASE}art/show.jpg"/>', f'<itunes:image href="{BASE}art/{name}"/>'))


def test_artwork_missing(build):
    only(check(build, (f'<itunes:image href="{BASE}art/show.jpg"/>', "")), "apple.image")


def test_artwork_not_in_build(build):
    only(check(build, ("art/show.jpg", "art/gone.jpg")), "local.missing")


def test_artwork_not_square(build):
    only(art(build, "wide.jpg", Image.new("RGB", (1600, 1400), "white")), "apple.artwork.square")


def test_artwork_too_small(build):
    only(art(build, "small.jpg", Image.new("RGB", (1000, 1000), "white")), "apple.artwork.size")


def test_artwork_too_big(build):
    only(art(build, "huge.jpg", Image.new("RGB", (3200, 3200), "white")), "apple.artwork.size")


def test_artwork_cmyk(build):
    only(art(build, "cmyk.jpg", Image.new("CMYK", (1400, 1400), (0, 50, 100, 0))), "apple.artwork.colorspace")


def test_artwork_png_with_alpha(build):
    only(art(build, "alpha.png", Image.new("RGBA", (1400, 1400), (0, 0, 0, 128))), "apple.artwork.colorspace")


def test_artwork_palette(build):
    only(art(build, "palette.png", Image.new("RGB", (1400, 1400), "red").convert("P")),
         "apple.artwork.colorspace")


def test_artwork_wrong_extension(build):
    root, _ = build
    Image.new("RGB", (1400, 1400), "white").save(root / "art/really-png.jpg", "PNG")
    only(check(build, ("art/show.jpg", "art/really-png.jpg")), "apple.artwork.extension")


def test_artwork_gif(build):
    only(art(build, "anim.gif", Image.new("RGB", (1400, 1400), "white")), "apple.artwork.format")


def test_artwork_not_an_image(build):
    only(art(build, "notes.jpg", b"these are not pixels"), "apple.artwork.format")


def test_artwork_bytes_warning(build):
    noise = Image.effect_noise((1400, 1400), 80).convert("RGB")
    findings = art(build, "noisy.jpg", noise)
    only(findings, "apple.artwork.bytes", Severity.WARNING)


def test_episode_artwork_checked_too(build):
    root, _ = build
    Image.new("RGB", (1600, 1400), "white").save(root / "art/show/ep1-wide.png")
    findings = check(build, ("art/show/ep1.png", "art/show/ep1-wide.png"))
    only(findings, "apple.artwork.square")
    assert findings[0].element == "item[1]/itunes:image"


def test_remote_artwork_fetched_when_asked(build, tmp_path):
    """fetch_images reads artwork that is not in the build dir, over real HTTP."""
    import http.server
    import threading
    from functools import partial

    Image.new("RGB", (500, 500), "white").save(tmp_path / "cover.jpg")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root, feed = build
        feed = feed.replace(f"{BASE}art/show.jpg", f"http://127.0.0.1:{server.server_port}/cover.jpg")
        assert validate_feed(feed.encode(), build_dir=root, base_url=BASE) == [
            f for f in validate_feed(feed.encode(), build_dir=root, base_url=BASE) if f.rule == "url.https"]
        fetched = validate_feed(feed.encode(), build_dir=root, base_url=BASE, fetch_images=True)
        assert rules(fetched, Severity.ERROR) == {"apple.artwork.size"}
    finally:
        server.shutdown()


# -- items -------------------------------------------------------------------------------

def test_guid_missing_is_a_warning(build):
    only(check(build, ('<guid isPermaLink="false">second-episode</guid>', "")), "rss.guid", Severity.WARNING)


def test_guid_duplicate(build):
    findings = only(check(build, ("second-episode", "6f1c1c8e-5a0e-4c8e-9a55-1b2b3c4d5e6f")), "rss.guid.unique")
    assert findings[0].element == "item[2]/guid"


def test_guid_permalink_default_true(build):
    only(check(build, ('<guid isPermaLink="false">second-episode</guid>', "<guid>second-episode</guid>")),
         "rss.guid.permalink")


def test_guid_url_may_be_permalink(build):
    assert check(build, ('<guid isPermaLink="false">second-episode</guid>',
                         "<guid>https://example.org/show/2</guid>")) == []


@pytest.mark.parametrize("value", [
    "2026-11-21T09:00:00Z",              # ISO 8601, not RFC 2822
    "Sat, 21 Nov 26 09:00:00 GMT",       # two-digit year
    "Sam, 21 Nov 2026 09:00:00 GMT",     # not English
    "Fri, 21 Nov 2026 09:00:00 GMT",     # 21 Nov 2026 is a Saturday
    "Sat, 31 Nov 2026 09:00:00 GMT",     # no such day
    "Sat, 21 Nov 2026 25:00:00 GMT",     # no such hour
])
def test_pubdate(build, value):
    only(check(build, ("Sat, 21 Nov 2026 09:00:00 +0000", value)), "rss.pubdate")


def test_pubdate_without_weekday_warns(build):
    only(check(build, ("Sat, 21 Nov 2026 09:00:00 +0000", "21 Nov 2026 09:00:00 +0000")),
         "rss.pubdate", Severity.WARNING)


def test_enclosure_missing(build):
    _root, feed = build
    start = feed.index('<enclosure url="' + BASE + "media/show/ep2.m4a")
    end = feed.index("/>", start) + 2
    only(check(build, (feed[start:end], "")), "rss.enclosure")


def test_enclosure_relative_url(build):
    only(check(build, (f'url="{BASE}media/show/ep2.m4a"', 'url="media/show/ep2.m4a"')), "rss.enclosure.url")


def test_enclosure_url_reused(build):
    _root, feed = build
    findings = check(build, ((f'url="{BASE}media/show/ep2.m4a" length="{_length(feed, "ep2.m4a")}" '
                             'type="audio/x-m4a"'),
                             (f'url="{BASE}media/show/ep1.mp3" length="{_length(feed, "ep1.mp3")}" '
                             'type="audio/mpeg"')), ("<itunes:duration>3<", "<itunes:duration>2<"))
    only(findings, "apple.enclosure.unique")


def _length(feed, name):
    start = feed.index(name)
    return feed[start:].split('length="')[1].split('"')[0]


def test_enclosure_length_not_bytes(build):
    _root, feed = build
    only(check(build, (f'length="{_length(feed, "ep2.m4a")}"', 'length="3"')), "rss.enclosure.length")


def test_enclosure_length_zero(build):
    _root, feed = build
    only(check(build, (f'length="{_length(feed, "ep2.m4a")}"', 'length="0"')), "rss.enclosure.length")


def test_enclosure_type_mismatch(build):
    only(check(build, ('type="audio/x-m4a"', 'type="audio/mpeg"')), "rss.enclosure.type")


def test_enclosure_type_alias_warns(build):
    only(check(build, ('type="audio/x-m4a"', 'type="audio/mp4"')), "rss.enclosure.type", Severity.WARNING)


def test_enclosure_extension_not_listed_by_apple(build):
    root, _ = build
    from media_factory import make_audio
    ogg = make_audio(root / "media/show/ep2.ogg", seconds=3.0)
    root, feed = build
    only(check(build, ("ep2.m4a", "ep2.ogg"),
               (f'length="{_length(feed, "ep2.m4a")}"', f'length="{ogg.stat().st_size}"'),
               ('type="audio/x-m4a"', 'type="audio/ogg"')), "apple.enclosure.extension")


def test_enclosure_content_is_not_what_the_extension_says(build):
    """An MP3 renamed .m4a: extension and type agree, the bytes do not."""
    root, _ = build
    fake = root / "media/show/fake.m4a"
    fake.write_bytes((root / "media/show/ep1.mp3").read_bytes())
    only(check(build, ("ep2.m4a", "fake.m4a"), (f'length="{_length(build[1], "ep2.m4a")}"',
                                                 f'length="{fake.stat().st_size}"'),
               ("<itunes:duration>3<", "<itunes:duration>2<")), "rss.enclosure.type")


def test_enclosure_text_renamed_mp3(build):
    root, _ = build
    fake = root / "media/show/text.mp3"
    fake.write_text("not audio at all\n" * 10)
    findings = check(build, ("ep1.mp3", "text.mp3"), (f'length="{_length(build[1], "ep1.mp3")}"',
                                                      f'length="{fake.stat().st_size}"'))
    only(findings, "rss.enclosure.type")


def test_enclosure_file_not_in_build(build):
    only(check(build, ("ep2.m4a", "ep9.m4a")), "local.missing")


def test_transcript_not_in_build(build):
    only(check(build, ("ep1.vtt", "ep9.vtt")), "local.missing")


def test_duration_does_not_match_the_file(build):
    only(check(build, ("<itunes:duration>3<", "<itunes:duration>60<")), "apple.duration")


@pytest.mark.parametrize("value", ["", "abc", "0", "1:2:3:4", "-5"])
def test_duration_invalid(build, value):
    only(check(build, ("<itunes:duration>3<", f"<itunes:duration>{value}<")), "apple.duration")


def test_duration_hms_warns(build):
    only(check(build, ("<itunes:duration>3<", "<itunes:duration>0:03<")), "apple.duration.format",
         Severity.WARNING)


def test_duration_missing_warns(build):
    only(check(build, ("<itunes:duration>3</itunes:duration>", "")), "apple.duration", Severity.WARNING)


def test_http_url_warns(build):
    only(check(build, ("<link>https://example.org/show/ep1</link>", "<link>http://example.org/show/ep1</link>")),
         "url.https", Severity.WARNING)


def test_http_in_podcast_tag_is_an_error(build):
    only(check(build, ('<podcast:transcript url="https://', '<podcast:transcript url="http://')),
         "podcast.https")


# -- Podcasting 2.0 ----------------------------------------------------------------------

def test_podcast_guid_not_a_uuid(build):
    only(check(build, (GUID, "locked-up-living")), "podcast.guid")


def test_podcast_guid_not_v5(build):
    only(check(build, (GUID, str(uuid.uuid4()))), "podcast.guid")


def test_podcast_guid_of_another_url_warns(build):
    findings = only(check(build, (GUID, str(podcast_guid("old.example.org/feed.xml")))), "podcast.guid.value",
                    Severity.WARNING)
    assert GUID in findings[0].message


def test_podcast_guid_matches_the_spec_examples():
    assert str(podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml")) == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert str(podcast_guid("podnews.net/rss/")) == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_podcast_medium(build):
    only(check(build, ("<podcast:medium>podcast<", "<podcast:medium>radio<")), "podcast.medium")


def test_podcast_locked(build):
    only(check(build, ("<podcast:locked>yes<", "<podcast:locked>true<")), "podcast.locked")


def test_podcast_transcript_needs_type(build):
    only(check(build, (' type="text/vtt"', "")), "podcast.attributes")


def test_any_feed_not_only_ours():
    """A feed from elsewhere, no build dir: rules that need no files still run."""
    feed = GOOD.replace("LENGTH1", "1000").replace("LENGTH2", "2000")
    assert validate_feed(feed.encode()) == []
    broken = feed.replace("<itunes:explicit>false</itunes:explicit>\n  <itunes:type>", "<itunes:type>")
    assert rules(validate_feed(broken.encode())) == {"apple.explicit"}


def test_hostile_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    feed = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><title>&x;</title></channel></rss>').encode()
    findings = validate_feed(feed)
    assert not any("TOP SECRET" in f.message for f in findings)


# -- JSON Feed ---------------------------------------------------------------------------

def json_feed(build, **changes):
    root, _ = build
    size = (root / "media/show/ep1.mp3").stat().st_size
    feed = {
        "version": "https://jsonfeed.org/version/1.1", "title": "Locked Up Living",
        "home_page_url": "https://example.org/show", "feed_url": BASE + "feeds/show.json",
        "authors": [{"name": "Ann"}],
        "items": [{"id": "a", "title": "One", "content_html": "<p>x</p>",
                   "date_published": "2026-11-20T09:00:00Z",
                   "attachments": [{"url": BASE + "media/show/ep1.mp3", "mime_type": "audio/mpeg",
                                    "size_in_bytes": size}]},
                  {"id": "b", "title": "Two", "content_text": "x"}],
    }
    for path, value in changes.items():
        target = feed
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            target.pop(int(keys[-1]) if keys[-1].isdigit() else keys[-1])
        else:
            target[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = value
    return validate_json_feed(json.dumps(feed).encode(), build_dir=root, base_url=BASE)


def test_json_feed_good(build):
    assert json_feed(build) == []


@pytest.mark.parametrize("change, rule, severity", [
    ({"version": "1.1"}, "json.version", Severity.ERROR),
    ({"version": "https://jsonfeed.org/version/1"}, "json.version", Severity.WARNING),
    ({"title": ""}, "json.title", Severity.ERROR),
    ({"feed_url": None}, "json.urls", Severity.WARNING),
    ({"authors": [{}]}, "json.authors", Severity.ERROR),
    ({"items": None}, "json.items", Severity.ERROR),
    ({"items__1__id": None}, "json.item.id", Severity.ERROR),
    ({"items__1__id": "a"}, "json.item.id.unique", Severity.ERROR),
    ({"items__1__content_text": None}, "json.item.content", Severity.ERROR),
    ({"items__0__date_published": "Fri, 20 Nov 2026 09:00:00 GMT"}, "json.date", Severity.ERROR),
    ({"items__0__attachments__0__mime_type": None}, "json.attachment", Severity.ERROR),
    ({"items__0__attachments__0__size_in_bytes": 5}, "json.attachment.size", Severity.ERROR),
    ({"items__0__attachments__0__url": BASE + "media/show/nope.mp3"}, "local.missing", Severity.ERROR),
])
def test_json_feed_rules(build, change, rule, severity):
    only(json_feed(build, **change), rule, severity)


def test_json_feed_not_json():
    only(validate_json_feed(b"{not json"), "json.syntax")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damage_to_a_feed_gives_findings_not_exceptions(build, data):
    """validate runs on feeds from anywhere: cut, spliced or garbled input never crashes it."""
    root, feed = build
    raw = feed.encode()
    start = data.draw(st.integers(0, len(raw)))
    end = data.draw(st.integers(start, min(len(raw), start + 400)))
    junk = data.draw(st.binary(max_size=40) | st.sampled_from(
        [b"", b"<", b"&", b"]]>", b"<item>", b"</channel>", b'"', b"<itunes:category text='x'>", b"\xff\xfe"]))
    damaged = raw[:start] + junk + raw[end:]
    findings = validate_feed(damaged, build_dir=root, base_url=BASE)
    assert all(isinstance(f.line(), str) for f in findings)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["version", "title", "authors", "items", "items__0", "items__0__id",
                             "items__0__attachments", "items__0__attachments__0", "items__0__date_published",
                             "items__0__attachments__0__size_in_bytes", "items__0__attachments__0__url"]),
       value=json_values)
def test_any_json_value_anywhere_gives_findings_not_exceptions(build, path, value):
    findings = json_feed(build, **{path: value})
    assert all(isinstance(f.line(), str) for f in findings)


def test_remote_artwork_unreachable(build):
    root, feed = build
    feed = feed.replace(f"{BASE}art/show.jpg", "https://127.0.0.1:9/cover.jpg")
    only(validate_feed(feed.encode(), build_dir=root, base_url=BASE, fetch_images=True), "apple.artwork.unreachable")
