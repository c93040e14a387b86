"""embed/index.json, oEmbed files and player pages, read back field by field (no browser)."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urlsplit

import pytest
from embed_sample import BASE_URL, GENERATED, HOSTILE_CHAPTER, HOSTILE_PERSON, HOSTILE_TITLE, build_site

from media_pub.outputs.embed import EmbedError, write_embeds

APP_SCHEMES = ("podcast://", "pktc://", "overcast://", "castro://", "podcastaddict://")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
SHOW_KEYS = ["slug", "title", "medium", "feed_url", "artwork_url", "player_url", "episodes"]
EPISODE_KEYS = ["slug", "guid", "title", "published", "duration_seconds", "media_url",
                "media_type", "media_bytes", "image_url", "player_url", "oembed_url",
                "chapters_url", "transcript_url", "summary"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = build_site(tmp_path_factory.mktemp("embed"))
    keys = write_embeds(site.settings, site.shows, site.out, GENERATED)
    return site, keys


@pytest.fixture(scope="module")
def index(site):
    site, _ = site
    return json.loads((site.out / "embed/index.json").read_text(encoding="utf-8"))


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each element by id/tag."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]


def page(site, key: str) -> str:
    return (site.out / key).read_text(encoding="utf-8")


def test_keys_written_index_last_and_assets_copied(site):
    site, keys = site
    assert keys[-1] == "embed/index.json"
    assert {"embed/player.css", "embed/player.js", "embed/locked-up-living/index.html",
            "embed/locked-up-living/001-gerard-drennan.html",
            "embed/locked-up-living/001-gerard-drennan.oembed.json",
            "embed/locked-up-living/002-hostile.html", "embed/ceramics/index.html",
            "embed/ceramics/01-pots.html", "embed/ceramics/01-pots.oembed.json"} <= set(keys)
    for key in keys:
        assert (site.out / key).is_file(), key
    assert "function" in page(site, "embed/player.js")


def test_index_top_level(index):
    assert list(index) == ["version", "generated", "shows"]
    assert index["version"] == 1
    assert index["generated"] == "2026-11-28T12:00:00Z"
    assert [show["slug"] for show in index["shows"]] == ["locked-up-living", "ceramics"]


def test_index_show_fields(index):
    show = index["shows"][0]
    assert list(show) == SHOW_KEYS
    assert show["title"] == "Locked Up Living"
    assert show["medium"] == "podcast"
    assert show["feed_url"] == BASE_URL + "feeds/locked-up-living.xml"
    assert show["artwork_url"] == BASE_URL + "art/locked-up-living.jpg"
    assert show["player_url"] == BASE_URL + "embed/locked-up-living/index.html"
    assert index["shows"][1]["medium"] == "video"


def test_index_lists_live_episodes_newest_first(index):
    episodes = index["shows"][0]["episodes"]
    assert [ep["slug"] for ep in episodes] == ["002-hostile", "001-gerard-drennan"]
    published = [ep["published"] for ep in episodes]
    assert published == sorted(published, reverse=True)
    assert "003-draft" not in json.dumps(index) and "004-later" not in json.dumps(index)


def test_index_episode_fields(index, site):
    site, _ = site
    ep = index["shows"][0]["episodes"][1]
    assert list(ep) == EPISODE_KEYS
    media = site.out / "media/locked-up-living/001-gerard-drennan.mp3"
    assert ep == {
        "slug": "001-gerard-drennan",
        "guid": "6f1c2a8e-0001-4c3d-9a51-000000000001",
        "title": "If there is trauma, there will have been harm",
        "published": "2026-11-20T09:00:00Z",
        "duration_seconds": 8.0,
        "media_url": BASE_URL + "media/locked-up-living/001-gerard-drennan.mp3",
        "media_type": "audio/mpeg",
        "media_bytes": media.stat().st_size,
        "image_url": BASE_URL + "art/locked-up-living/001-gerard-drennan.png",
        "player_url": BASE_URL + "embed/locked-up-living/001-gerard-drennan.html",
        "oembed_url": BASE_URL + "embed/locked-up-living/001-gerard-drennan.oembed.json",
        "chapters_url": BASE_URL + "chapters/locked-up-living/001-gerard-drennan.json",
        "transcript_url": BASE_URL + "transcripts/locked-up-living/001-gerard-drennan.vtt",
        "summary": "A conversation with Gerard Drennan, clinical psychologist.",
    }


def test_index_types_urls_and_nulls(index):
    for show in index["shows"]:
        for ep in show["episodes"]:
            assert RFC3339.match(ep["published"])
            assert isinstance(ep["duration_seconds"], float)
            assert isinstance(ep["media_bytes"], int) and ep["media_bytes"] > 0
            for field in ("media_url", "image_url", "player_url", "oembed_url"):
                assert ep[field].startswith(BASE_URL), field
    hostile = index["shows"][0]["episodes"][0]
    assert hostile["chapters_url"] is None                  # no chapters file: null, not ""
    assert hostile["image_url"] == BASE_URL + "art/locked-up-living.jpg"   # falls back to show art
    assert hostile["title"] == HOSTILE_TITLE                # JSON carries the title as written
    assert "<" not in hostile["summary"]                    # summary is plain text
    film = index["shows"][1]["episodes"][0]
    assert film["media_type"] == "video/mp4" and film["title"] == "Pots & jars"


def test_url_keys_are_percent_encoded(tmp_path):
    from dataclasses import replace

    site = build_site(tmp_path)
    podcast = site.shows[0]
    odd = replace(podcast.episodes[-1], media_key="media/locked-up-living/a b#c.mp3")
    write_embeds(site.settings, [replace(podcast, episodes=(odd,))], site.out, GENERATED)
    index = json.loads((site.out / "embed/index.json").read_text())
    assert index["shows"][0]["episodes"][0]["media_url"] == (
        BASE_URL + "media/locked-up-living/a%20b%23c.mp3")
    sources = Tags(page(site, "embed/locked-up-living/001-gerard-drennan.html")).all("source")
    assert sources[0]["src"] == "../../media/locked-up-living/a%20b%23c.mp3"


def oembed(site, key):
    return json.loads((site.out / key).read_text(encoding="utf-8"))


def test_oembed_for_audio_is_rich_with_one_iframe(site):
    site, _ = site
    doc = oembed(site, "embed/locked-up-living/001-gerard-drennan.oembed.json")
    assert doc["version"] == "1.0"
    assert doc["type"] == "rich"
    assert doc["title"] == "If there is trauma, there will have been harm"
    assert doc["author_name"] == "Locked Up Living Network"
    assert doc["author_url"] == "https://example.org/locked-up-living"
    assert doc["provider_name"] == "media.example.org"
    assert doc["provider_url"] == BASE_URL
    # a first guess at the height (embed.js sets the real one): chapters, transcript, notes
    assert doc["width"] == 720 and 900 <= doc["height"] <= 1400
    # thumbnails: all three together, the real pixel size of the episode image
    assert doc["thumbnail_url"] == BASE_URL + "art/locked-up-living/001-gerard-drennan.png"
    assert (doc["thumbnail_width"], doc["thumbnail_height"]) == (400, 400)
    iframes = Tags(doc["html"]).all("iframe")
    assert len(iframes) == 1 and len(Tags(doc["html"]).tags) == 1
    frame = iframes[0]
    assert frame["src"] == BASE_URL + "embed/locked-up-living/001-gerard-drennan.html"
    assert frame["title"] == doc["title"]
    assert frame["loading"] == "lazy"
    assert (frame["width"], frame["height"]) == ("720", str(doc["height"]))
    # never wider than the host's column (SPEC 5.5); an audio player asks for no features
    style = dict(part.split(":", 1) for part in frame["style"].split(";"))
    assert style["width"] == "100%" and style["max-width"] == "720px" and style["border"] == "0"
    assert "allow" not in frame


def test_show_oembed_and_its_discovery_link(site):
    site, _ = site
    doc = oembed(site, "embed/locked-up-living/index.oembed.json")
    assert doc["version"] == "1.0" and doc["type"] == "rich"
    assert doc["title"] == "Locked Up Living"
    assert (doc["thumbnail_url"], doc["thumbnail_width"]) == (BASE_URL + "art/locked-up-living.jpg", 600)
    frame = Tags(doc["html"]).all("iframe")[0]
    assert frame["src"] == BASE_URL + "embed/locked-up-living/index.html"
    assert frame["title"] == "Locked Up Living: latest episodes"
    assert "width:100%" in frame["style"]
    links = [link for link in Tags(page(site, "embed/locked-up-living/index.html")).all("link")
             if link.get("type") == "application/json+oembed"]
    assert [link["href"] for link in links] == [BASE_URL + "embed/locked-up-living/index.oembed.json"]
    assert oembed(site, "embed/ceramics/index.oembed.json")["type"] == "video"


def test_oembed_for_film_is_video_sized_to_the_picture(site):
    site, _ = site
    doc = oembed(site, "embed/ceramics/01-pots.oembed.json")
    assert doc["type"] == "video" and doc["version"] == "1.0"
    assert doc["width"] == 720
    assert doc["height"] > 696 * 180 // 320 + 300        # 16:9 picture plus title and controls
    frame = Tags(doc["html"]).all("iframe")[0]
    assert "fullscreen" in frame["allow"] and "allowfullscreen" in frame
    assert doc["title"] == "Pots & jars"
    assert Tags(doc["html"]).all("iframe")[0]["title"] == "Pots & jars"
    assert (doc["thumbnail_width"], doc["thumbnail_height"]) == (500, 500)
    assert "author_url" not in doc                          # the show has no link


def test_oembed_escapes_a_hostile_title_inside_its_html(site):
    site, _ = site
    doc = oembed(site, "embed/locked-up-living/002-hostile.oembed.json")
    tags = Tags(doc["html"])
    assert [name for name, _ in tags.tags] == ["iframe"]   # the title made no tag of its own
    assert tags.all("iframe")[0]["title"] == HOSTILE_TITLE


def test_oembed_without_readable_artwork_has_no_thumbnail(tmp_path):
    site = build_site(tmp_path)
    (site.out / "art/ceramics.jpg").unlink()
    write_embeds(site.settings, site.shows, site.out, GENERATED)
    doc = oembed(site, "embed/ceramics/01-pots.oembed.json")
    assert not {"thumbnail_url", "thumbnail_width", "thumbnail_height"} & set(doc)


def test_episode_page_discovery_and_relative_urls(site):
    site, _ = site
    key = "embed/locked-up-living/001-gerard-drennan.html"
    tags = Tags(page(site, key))
    discovery = [link for link in tags.all("link") if link.get("type") == "application/json+oembed"]
    assert len(discovery) == 1 and discovery[0]["rel"] == "alternate"
    assert discovery[0]["href"] == BASE_URL + "embed/locked-up-living/001-gerard-drennan.oembed.json"
    audio = tags.all("audio")[0]
    # the player's own controls, not the browser's grey pill
    # preload="none": an embed fetches no media before play (STANDARDS 9.6)
    assert audio["preload"] == "none" and "controls" not in audio and "autoplay" not in audio
    assert [b["aria-label"] for b in tags.all("button") if "aria-label" in b][:3] == [
        "Play", "Back 15 seconds", "Forward 30 seconds"]
    assert tags.all("source")[0]["type"] == "audio/mpeg"


@pytest.mark.parametrize("key", [
    "embed/locked-up-living/index.html", "embed/locked-up-living/001-gerard-drennan.html",
    "embed/locked-up-living/002-hostile.html", "embed/ceramics/index.html",
    "embed/ceramics/01-pots.html",
])
def test_every_local_reference_is_relative_and_exists(site, key):
    site, _ = site
    tags = Tags(page(site, key))
    here = (site.out / key).parent
    checked = 0
    for name, attrs in tags.tags:
        for attribute in ("src", "href", "poster"):
            value = attrs.get(attribute)
            if not value or value.startswith(("data:", "#")):
                continue
            if value.startswith(APP_SCHEMES) or value.startswith("https://antennapod.org/deeplink/"):
                assert name == "a" and quote(BASE_URL[len("https://"):]) in quote(unquote(value))
                continue                     # subscribe links: our own feed URL, for an app
            if value.startswith(("http://", "https://")):
                # only discovery/canonical/og point at base_url; nothing loads from it
                assert name in ("link", "meta") and value.startswith(BASE_URL), (name, value)
                assert attrs.get("rel") in ("alternate", "canonical"), attrs
                continue
            target = here / unquote(urlsplit(value).path)
            if "feeds/" in value:
                continue                     # the feeds are written by the build, not here
            assert target.resolve().is_file(), (key, name, value)
            checked += 1
    assert checked >= 3


def test_video_page_has_poster_and_captions_track(site):
    site, _ = site
    tags = Tags(page(site, "embed/ceramics/01-pots.html"))
    video = tags.all("video")[0]
    assert video["poster"] == "../../art/ceramics.jpg"
    assert "playsinline" in video and video["preload"] == "none"
    track = tags.all("track")[0]
    assert track["kind"] == "captions" and track["src"] == "../../transcripts/ceramics/01-pots.vtt"
    assert track["srclang"] == "en-GB" and track["label"]


def test_chapters_transcript_and_peaks_in_the_episode_page(site):
    site, _ = site
    html = page(site, "embed/locked-up-living/001-gerard-drennan.html")
    tags = Tags(html)
    seeks = [attrs["data-seek"] for attrs in tags.all("button") if "data-seek" in attrs]
    assert seeks == ["0.0", "3.0", "6.0"]
    cues = [(attrs["data-seek"], attrs.get("data-end")) for attrs in tags.all("p")
            if "data-seek" in attrs]
    assert cues == [("0.5", "2.75"), ("3.0", "5.5"), ("6.0", "7.9")]
    text = " ".join("".join(tags.text).split())
    assert "Gerard Drennan: Welcome to Locked Up Living." in text   # the cue's voice
    assert "8 seconds" in html and "20 November 2026" in html
    data = json.loads(re.search(r'id="player-data">(.*?)</script>', html, re.S).group(1))
    peaks = data["episodes"][0]["peaks"]
    assert 0 < len(peaks) <= 200 and all(0 <= p <= 1 for p in peaks)


def test_missing_peaks_means_no_waveform_data(site):
    site, _ = site
    html = page(site, "embed/locked-up-living/002-hostile.html")
    data = json.loads(re.search(r'id="player-data">(.*?)</script>', html, re.S).group(1))
    assert data["episodes"][0]["peaks"] is None


@pytest.mark.parametrize("key", ["embed/locked-up-living/002-hostile.html",
                                 "embed/locked-up-living/index.html"])
def test_hostile_metadata_makes_no_markup(site, key):
    site, _ = site
    html = page(site, key)
    tags = Tags(html)
    scripts = tags.all("script")
    assert scripts == [{"type": "application/json", "id": "player-data"},
                       {"src": "../player.js", "defer": None}]
    for name, attrs in tags.tags:
        assert not [a for a in attrs if a.startswith("on")], (name, attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript:")
        assert name != "img" or attrs.get("src", "").startswith("../../"), attrs
    text = "".join(tags.text)
    assert HOSTILE_TITLE in text                     # shown as text
    if key.endswith("002-hostile.html"):
        assert HOSTILE_CHAPTER in text and HOSTILE_PERSON in text


def test_show_page_lists_episodes_and_subscribe_links(site):
    site, _ = site
    tags = Tags(page(site, "embed/locked-up-living/index.html"))
    buttons = [attrs for attrs in tags.all("button") if "data-episode" in attrs]
    assert [b["aria-pressed"] for b in buttons] == ["true", "false"]
    links = [attrs["href"] for attrs in tags.all("a")]
    # Subscribe opens apps, never raw XML: one-tap links from the feed URL and a copy box
    assert not [link for link in links if link.startswith("../../feeds/")]
    feed = BASE_URL + "feeds/locked-up-living.xml"
    assert "podcast://media.example.org/feeds/locked-up-living.xml" in links
    assert "overcast://x-callback-url/add?url=" + quote(feed, safe="") in links
    assert any(link.startswith("https://antennapod.org/deeplink/subscribe?url=") for link in links)
    assert [i["value"] for i in tags.all("input") if "feed-input" in i.get("class", "")] == [feed]
    feeds = {link["type"]: link["href"] for link in tags.all("link") if link.get("rel") == "alternate"}
    assert feeds["application/rss+xml"] == "../../feeds/locked-up-living.xml"
    assert "002-hostile.html" in links and "001-gerard-drennan.html" in links
    assert "003-draft.html" not in links
    assert not (site.out / "embed/locked-up-living/003-draft.html").exists()
    assert not (site.out / "embed/locked-up-living/004-later.html").exists()


def test_rebuild_rewrites_nothing_and_leaves_no_temp_files(site):
    site, keys = site
    before = {key: os.stat(site.out / key).st_mtime_ns for key in keys}
    later = GENERATED.replace(hour=18)              # only the clock moved: nothing to upload
    assert write_embeds(site.settings, site.shows, site.out, later) == []
    assert {key: os.stat(site.out / key).st_mtime_ns for key in keys} == before
    assert json.loads(page(site, "embed/index.json"))["generated"] == "2026-11-28T12:00:00Z"
    assert not [p for p in site.out.rglob("*") if p.name.endswith(".tmp")]


def test_building_one_show_keeps_the_others_in_the_index(tmp_path):
    from dataclasses import replace

    site = build_site(tmp_path)
    write_embeds(site.settings, site.shows, site.out, GENERATED)
    (site.out / "feeds").mkdir()
    (site.out / "feeds/ceramics.xml").write_text("<rss/>")          # ceramics still published
    podcast = site.shows[0]
    newest_only = replace(podcast, episodes=podcast.episodes[:2])   # 001 was drafted again
    keys = write_embeds(site.settings, [newest_only], site.out, GENERATED.replace(hour=13))
    index = json.loads(page(site, "embed/index.json"))
    assert [show["slug"] for show in index["shows"]] == ["locked-up-living", "ceramics"]
    assert [ep["slug"] for ep in index["shows"][0]["episodes"]] == ["002-hostile"]
    assert index["generated"] == "2026-11-28T13:00:00Z"
    assert keys[-1] == "embed/index.json"
    assert not (site.out / "embed/locked-up-living/001-gerard-drennan.html").exists()
    assert not (site.out / "embed/locked-up-living/001-gerard-drennan.oembed.json").exists()
    assert (site.out / "embed/locked-up-living/001-gerard-drennan.peaks.json").exists()  # build's
    assert (site.out / "embed/ceramics/01-pots.html").exists()
    (site.out / "feeds/ceramics.xml").unlink()                      # show gone: leaves the index
    write_embeds(site.settings, [newest_only], site.out, GENERATED)
    index = json.loads(page(site, "embed/index.json"))
    assert [show["slug"] for show in index["shows"]] == ["locked-up-living"]


def test_malformed_transcript_names_the_sidecar(tmp_path):
    site = build_site(tmp_path)
    (site.out / "transcripts/locked-up-living/001-gerard-drennan.vtt").write_text("not webvtt\n")
    with pytest.raises(EmbedError) as caught:
        write_embeds(site.settings, site.shows, site.out, GENERATED)
    error = caught.value
    assert error.file.endswith("001-gerard-drennan.toml") and error.field == "transcript"
    assert not (site.out / "embed/index.json").exists()      # no index for a failed build


def test_plain_text_and_json_transcripts(tmp_path):
    from dataclasses import replace

    site = build_site(tmp_path)
    podcast = site.shows[0]
    ep = podcast.episodes[-1]
    (site.out / "t.txt").write_text("First paragraph.\n\nSecond <b>paragraph</b>.")
    (site.out / "t.json").write_text(json.dumps({"version": "1.0.0", "segments": [
        {"startTime": 1.25, "endTime": 2.0, "speaker": "Ann", "body": "Hello"}]}))
    for key, kind, expected in (("t.txt", "text/plain", "Second <b>paragraph</b>."),
                                ("t.json", "application/json", "Ann: Hello")):
        changed = replace(ep, transcript_key=key, transcript_type=kind)
        write_embeds(site.settings, [replace(podcast, episodes=(changed,))], site.out, GENERATED)
        text = " ".join("".join(Tags(page(site, "embed/locked-up-living/001-gerard-drennan.html")).text).split())
        assert expected in text


def test_serial_show_player_starts_at_part_one(tmp_path):
    from dataclasses import replace

    from media_pub.model import ShowType

    site = build_site(tmp_path)
    podcast = site.shows[0]
    serial = replace(podcast, show=replace(podcast.show, type=ShowType.SERIAL))
    write_embeds(site.settings, [serial], site.out, GENERATED)
    html = page(site, "embed/locked-up-living/index.html")
    tags = Tags(html)
    assert tags.all("source")[0]["src"] == "../../media/locked-up-living/001-gerard-drennan.mp3"
    assert [a["href"] for a in tags.all("a") if a.get("class") == "page-link"] == [
        "001-gerard-drennan.html", "002-hostile.html"]
    assert ">Episodes</h2>" in html
    index = json.loads(page(site, "embed/index.json"))              # the index stays newest first
    assert [ep["slug"] for ep in index["shows"][0]["episodes"]] == ["002-hostile", "001-gerard-drennan"]
