"""Property tests: any text in titles, names and notes survives every output safely.

Arbitrary unicode, markup and control characters go into the show and episode TOML
files; a real build writes RSS, JSON Feed, the embed index, oEmbed and player pages;
podcastparser, feedparser, lxml and json read them back. Policy (notes.py): characters XML 1.0
cannot carry (C0 controls other
than tab/newline/CR, U+FFFE/U+FFFF) are removed from every text, the same way in every
output; titles and names fold runs of spaces; notes are sanitised HTML, so markup from
metadata never becomes a live script.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import feedparser
import lxml.html
import podcastparser
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from project_factory import make_episode, make_show, toml_string, write_site

from media_pub import config
from media_pub.build import build
from media_pub.outputs.notes import clean_text, notes_text
from media_pub.checks import Severity, validate_feed, validate_json_feed

BASE = "https://media.example.org/"
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "]]>", "<![CDATA[", "&amp;", "&",
           "<", ">", '"', "'", "\x00", "\x01", "\x0b", "\x1b", "\x7f", "\ufffe", "\u2028", "\u202e", "\ufeff",
           "<a href=\"javascript:alert(1)\">x</a>", "<style>*{}</style>", "<iframe src=//e.org>", "{{7*7}}",
           "\r\n", "\t", "  ", "é", "👩‍⚕️", "&#0;", "&lt;script&gt;", "<!--", "-->"]

texts = st.lists(st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
                           st.sampled_from(HOSTILE)), min_size=1, max_size=8).map("".join)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prop") / "project"
    root.mkdir()
    write_site(root, BASE)
    make_show(root)
    make_episode(root, "demo", "one", title="One")
    return root


SHOW = """title = {title}
description = {notes}
author = {author}
owner = {{ name = {author}, email = "owner@example.org" }}
language = "en"
categories = ["Society & Culture"]
explicit = false
artwork = "art/demo.jpg"
link = "https://example.org/demo"
guid = "cd794894-6cec-59f3-a419-a2d2b34a7a96"
persons = [ {{ name = {person} }} ]
"""

EPISODE = """title = {title}
media = "one.mp3"
published = 2026-01-01T09:00:00Z
description = {notes}
persons = [ {{ name = {person}, role = "guest" }} ]
guid = "3f1b7c1e-1111-4222-8333-944455556666"
"""


def feedparser_view(text: str) -> str:
    """The text as feedparser hands it back: it "repairs" UTF-8 read as Latin-1
    (feedparser/mixin.py, pop()), so 'à¡¡' comes back as 'ࡡ'. Its quirk, not ours."""
    try:
        return text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def live_markup(fragment: str) -> list[str]:
    """Script-capable markup in an HTML fragment, as a browser's parser would see it."""
    if not fragment.strip():
        return []
    return live_markup_in(lxml.html.fragment_fromstring(fragment, create_parent="div"))


def live_markup_in(tree) -> list[str]:
    problems = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("script", "style", "iframe", "object", "embed", "frame", "meta") or (
                element.tag == "base" and element.get("href")):
            problems.append(element.tag)
        for name, value in element.attrib.items():
            if name.lower().startswith("on") or value.strip().lower().startswith("javascript:"):
                problems.append(f"{element.tag}@{name}")
    return problems


@settings(max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(show_title=texts, title=texts, author=texts, person=texts, notes=texts)
def test_any_text_survives_every_output(project: Path, show_title, title, author, person, notes):
    expected = {name: clean_text(value) for name, value in
                {"show_title": show_title, "title": title, "author": author, "person": person}.items()}
    # the loader refuses empty required text and over-long names (tested elsewhere)
    assume(all(expected.values()) and len(expected["person"]) <= 128 and notes_text(notes))
    (project / "feeds/demo.toml").write_text(SHOW.format(
        title=toml_string(show_title), notes=toml_string(notes), author=toml_string(author),
        person=toml_string(person)), "utf-8")
    (project / "episodes/demo/one.toml").write_text(EPISODE.format(
        title=toml_string(title), notes=toml_string(notes), person=toml_string(person)), "utf-8")

    report = build(config.load(project, {}))
    assert not report.failed
    out = project / "public"
    rss = (out / "feeds/demo.xml").read_bytes()
    json_bytes = (out / "feeds/demo.json").read_bytes()

    # Nothing XML 1.0 cannot carry, in any output; strict XML parsers accept the feed.
    for data in (rss, json_bytes):
        assert not NOT_XML.search(data.decode("utf-8"))
    root = etree.fromstring(rss)

    # podcastparser and feedparser read back exactly the cleaned text.
    parsed = podcastparser.parse(BASE + "feeds/demo.xml", io.BytesIO(rss))
    assert parsed["title"] == expected["show_title"]
    assert parsed["episodes"][0]["title"] == expected["title"]
    # feedparser guesses whether a title is text or HTML. As text it must come back
    # exactly; where it guessed HTML it re-serialises and sanitises, and nothing may be live.
    fp = feedparser.parse(rss)
    assert not fp.bozo, fp.bozo_exception
    for detail, want in ((fp.feed.title_detail, expected["show_title"]),
                         (fp.entries[0].title_detail, expected["title"])):
        if detail.type == "text/plain":
            assert detail.value == feedparser_view(want)
        else:
            assert live_markup(detail.value) == [], detail.value
    assert root.findtext("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}author") == expected["author"]
    names = [p.text for p in root.iter("{https://podcastindex.org/namespace/1.0}person")]
    assert expected["person"] in names

    # Notes: sanitised HTML only, in RSS description, content:encoded and JSON Feed.
    feed_json = json.loads(json_bytes)
    assert feed_json["title"] == expected["show_title"]
    assert feed_json["items"][0]["title"] == expected["title"]
    fragments = [el.text or "" for el in root.iter("description", "{http://purl.org/rss/1.0/modules/content/}encoded")]
    fragments.append(feed_json["items"][0]["content_html"])
    for fragment in fragments:
        assert live_markup(fragment) == [], fragment

    # The embed index, oEmbed and player pages: same text, and only the player's own scripts.
    index = json.loads((out / "embed/index.json").read_bytes())
    assert index["shows"][0]["title"] == expected["show_title"]
    assert index["shows"][0]["episodes"][0]["title"] == expected["title"]
    assert json.loads((out / "embed/demo/one.oembed.json").read_bytes())["title"] == expected["title"]
    for page_key, wanted in (("embed/demo/one.html", expected["title"]),
                             ("embed/demo/index.html", expected["show_title"])):
        page = lxml.html.fromstring((out / page_key).read_bytes())
        assert wanted in page.findtext(".//title"), page_key
        for script in page.iter("script"):
            if script.get("src"):
                assert script.get("src") == "../player.js"
            else:
                assert script.get("type") == "application/json"
                json.loads(script.text)          # data, never code; tojson keeps it intact
        # The page's own <meta charset/viewport> are fine; anything else live is not.
        live = [p for p in live_markup_in(page) if p not in ("script", "meta")]
        live += [f"meta@{m.get('http-equiv')}" for m in page.iter("meta") if m.get("http-equiv")]
        assert live == [], page_key

    # Our own validator finds nothing a directory would reject.
    errors = [f.line() for f in validate_feed(rss, build_dir=out, base_url=BASE) if f.severity is Severity.ERROR]
    errors += [f.line() for f in validate_json_feed(json_bytes, build_dir=out, base_url=BASE)
               if f.severity is Severity.ERROR]
    assert errors == []


def test_control_characters_are_removed_the_same_way_everywhere(project: Path):
    """The policy, shown once with fixed text: controls out, everything else kept."""
    title = "Bell\x07 and\x00 null\x1b[31m red \ufffe"
    (project / "episodes/demo/one.toml").write_text(EPISODE.format(
        title=toml_string(title), notes=toml_string("Notes\x0c with form feed"), person=toml_string("Ann\x01")),
        "utf-8")
    shutil.copyfile(project / "feeds/demo.toml", project / "feeds/demo.toml.bak")
    (project / "feeds/demo.toml").write_text(SHOW.format(
        title=toml_string("Show"), notes=toml_string("About"), author=toml_string("Org"), person=toml_string("Ann")),
        "utf-8")
    assert not build(config.load(project, {})).failed
    rss = (project / "public/feeds/demo.xml").read_text("utf-8")
    feed_json = json.loads((project / "public/feeds/demo.json").read_text("utf-8"))
    assert "<title>Bell and null[31m red</title>" in rss
    assert feed_json["items"][0]["title"] == "Bell and null[31m red"
    assert "Notes with form feed" in feed_json["items"][0]["content_html"]
    assert "Notes with form feed" in rss
