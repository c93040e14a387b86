"""The rest of the podcast namespace (SPEC 5.3): show keys reach RSS and JSON Feed, read back
by podcastparser, feedparser and lxml; bad values are one clear error; WebSub pings a real
HTTP hub on 127.0.0.1 after publish."""

from __future__ import annotations

import http.server
import io
import json
import shutil
import threading
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from lxml import etree

from media_pub.cli import cli
from project_factory import make_episode, make_show, write_site

BASE = "https://media.example.org/"
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0",
      "atom": "http://www.w3.org/2005/Atom"}

SHOW_KEYS = '''
funding = [ { url = "https://example.org/donate", title = "Support the network" } ]
license = "CC BY-NC-ND 4.0"
complete = true
analytics_prefix = "https://op3.dev/e/"
listen = { apple = "https://podcasts.apple.com/gb/podcast/id1", spotify = "https://open.spotify.com/show/x" }
websub_hub = "https://pubsubhubbub.appspot.com/"
block = false
new_feed_url = "https://media.example.org/feeds/demo-new.xml"
txt = [ { purpose = "applepodcastsverify", text = "abc-123" } ]
update_frequency = { text = "Every other week", rrule = "FREQ=WEEKLY;INTERVAL=2" }
'''


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--project", str(root), *args])


def add_show_keys(root: Path, text: str, show: str = "demo") -> None:
    path = root / f"feeds/{show}.toml"
    body = path.read_text()
    head, _, delivery = body.partition("[delivery]")
    path.write_text(head + text + "\n[delivery]" + delivery)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ns") / "project"
    root.mkdir()
    write_site(root)
    make_show(root, "demo")
    make_episode(root, "demo", "000-trailer", title="Coming soon", published="2026-01-01T09:00:00Z",
                 extra='episode_type = "trailer"\nseason = 1\n')
    make_episode(root, "demo", "001-first", title="If there is trauma", published="2026-01-08T09:00:00Z",
                 extra='season = 1\nepisode = 1\npersons = [ { name = "Gerard Drennan", role = "guest", '
                       'href = "https://example.org/gd", img = "https://example.org/gd.jpg" } ]\n')
    return root


@pytest.fixture(scope="module")
def built(template, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("nsbuilt") / "project"
    shutil.copytree(template, root)
    add_show_keys(root, SHOW_KEYS)
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    return root


def channel(root: Path):
    return etree.fromstring((root / "public/feeds/demo.xml").read_bytes()).find("channel")


def test_show_keys_reach_the_rss_channel(built):
    c = channel(built)
    funding = c.find("podcast:funding", NS)
    assert (funding.get("url"), funding.text) == ("https://example.org/donate", "Support the network")
    assert c.findtext("podcast:license", namespaces=NS) == "CC-BY-NC-ND-4.0"   # the list's spelling
    assert c.findtext("itunes:complete", namespaces=NS) == "Yes"
    assert c.find("itunes:block", NS) is None
    assert c.findtext("itunes:new-feed-url", namespaces=NS) == "https://media.example.org/feeds/demo-new.xml"
    txt = c.find("podcast:txt", NS)
    assert (txt.get("purpose"), txt.text) == ("applepodcastsverify", "abc-123")
    frequency = c.find("podcast:updateFrequency", NS)
    assert (frequency.text, frequency.get("rrule"), frequency.get("complete")) == (
        "Every other week", "FREQ=WEEKLY;INTERVAL=2", "true")
    links = {link.get("rel"): link.get("href") for link in c.findall("atom:link", NS)}
    assert links == {"self": BASE + "feeds/demo.xml", "hub": "https://pubsubhubbub.appspot.com/"}


def test_a_trailer_episode_is_a_channel_trailer_with_its_media_facts(built):
    c = channel(built)
    (trailer,) = c.findall("podcast:trailer", NS)
    media = built / "public/media/demo/000-trailer.mp3"
    assert trailer.text == "Coming soon"
    assert trailer.get("url") == "https://op3.dev/e/media.example.org/media/demo/000-trailer.mp3"
    assert trailer.get("length") == str(media.stat().st_size)
    assert trailer.get("type") == "audio/mpeg"
    assert trailer.get("pubdate") == "Thu, 01 Jan 2026 09:00:00 GMT"
    assert trailer.get("season") == "1"


def test_enclosures_go_through_the_analytics_prefix_but_the_embed_index_does_not(built):
    xml = (built / "public/feeds/demo.xml").read_bytes()
    parsed = podcastparser.parse(BASE + "feeds/demo.xml", io.BytesIO(xml))
    urls = sorted(e["enclosures"][0]["url"] for e in parsed["episodes"])
    assert urls == ["https://op3.dev/e/media.example.org/media/demo/000-trailer.mp3",
                    "https://op3.dev/e/media.example.org/media/demo/001-first.mp3"]
    feed = json.loads((built / "public/feeds/demo.json").read_bytes())
    assert sorted(i["attachments"][0]["url"] for i in feed["items"]) == urls
    index = json.loads((built / "public/embed/index.json").read_bytes())
    assert sorted(e["media_url"] for e in index["shows"][0]["episodes"]) == [
        BASE + "media/demo/000-trailer.mp3", BASE + "media/demo/001-first.mp3"]


def test_persons_carry_href_and_img(built):
    parsed = feedparser.parse((built / "public/feeds/demo.xml").read_bytes())
    first = next(e for e in parsed.entries if e.title == "If there is trauma")
    person = etree.fromstring((built / "public/feeds/demo.xml").read_bytes()).find(
        ".//item[title='If there is trauma']/podcast:person", NS)
    assert (person.text, person.get("role"), person.get("href"), person.get("img")) == (
        "Gerard Drennan", "guest", "https://example.org/gd", "https://example.org/gd.jpg")
    # feedparser exposes podcast: elements' attributes
    assert first["podcast_person"] == {"role": "guest", "group": "cast", "href": "https://example.org/gd",
                                       "img": "https://example.org/gd.jpg"}


def test_the_json_feed_carries_the_namespace(built):
    feed = json.loads((built / "public/feeds/demo.json").read_bytes())
    assert feed["hubs"] == [{"type": "WebSub", "url": "https://pubsubhubbub.appspot.com/"}]
    extra = feed["_podcast"]
    assert extra["funding"] == [{"url": "https://example.org/donate", "title": "Support the network"}]
    assert extra["license"] == {"name": "CC-BY-NC-ND-4.0"}
    assert extra["complete"] is True
    assert extra["listen"] == {"apple": "https://podcasts.apple.com/gb/podcast/id1",
                               "spotify": "https://open.spotify.com/show/x"}
    first = next(i for i in feed["items"] if i["title"] == "If there is trauma")
    assert first["_podcast"]["episode"] == 1 and isinstance(first["_podcast"]["episode"], int)


def test_the_feed_still_validates(built):
    result = run(built, "validate", "demo")
    assert "ERROR" not in result.stdout, result.stdout


def test_a_custom_licence_needs_its_url(template, tmp_path):
    root = tmp_path / "p"
    shutil.copytree(template, root)
    add_show_keys(root, 'license = { name = "CC-BY-SA-4.0", url = "https://creativecommons.org/licenses/by-sa/4.0/" }')
    assert run(root, "build").exit_code == 0
    licence = channel(root).find("podcast:license", NS)
    assert (licence.text, licence.get("url")) == ("CC-BY-SA-4.0", "https://creativecommons.org/licenses/by-sa/4.0/")


@pytest.mark.parametrize(("keys", "where", "says"), [
    ('funding = [ { url = "javascript:alert(1)", title = "x" } ]', "feeds/demo.toml: funding[1].url",
     "links must be http:// or https:// addresses"),
    ('license = "CC-BY-SA-4.0"', "feeds/demo.toml: license", "not in the namespace's licence list"),
    ('analytics_prefix = "https://op3.dev/e"', "feeds/demo.toml: analytics_prefix", "must end with /"),
    ('listen = { apple = "data:text/html,x" }', "feeds/demo.toml: listen.apple",
     "links must be http:// or https:// addresses"),
    ('update_frequency = { text = "Weekly", rrule = "every week" }', "feeds/demo.toml: update_frequency.rrule",
     "not an RFC 5545 rule"),
    ('websub_hub = "file:///etc/passwd"', "feeds/demo.toml: websub_hub", "links must be http:// or https:// addresses"),
])
def test_bad_namespace_values_are_one_clear_error(template, tmp_path, keys, where, says):
    root = tmp_path / "p"
    shutil.copytree(template, root)
    add_show_keys(root, keys)
    result = run(root, "build")
    assert result.exit_code == 1
    assert where in result.stderr and says in result.stderr, result.stderr
    assert "Traceback" not in result.output and not (root / "public").exists()


def test_a_bad_person_link_names_the_sidecar_and_key(template, tmp_path):
    root = tmp_path / "p"
    shutil.copytree(template, root)
    make_episode(root, "demo", "002-bad", extra='persons = [ { name = "A", role = "guest", href = "javascript:x" } ]\n')
    result = run(root, "build")
    assert result.exit_code == 1
    assert "episodes/demo/002-bad.toml: persons[1].href" in result.stderr


class Hub(http.server.BaseHTTPRequestHandler):
    posts: ClassVar[list[dict[str, list[str]]]] = []
    status = 204

    def do_POST(self) -> None:   # http.server's name for it
        length = int(self.headers["Content-Length"])
        type(self).posts.append(parse_qs(self.rfile.read(length).decode()))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def hub():
    Hub.posts, Hub.status = [], 204
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}/hub"
    server.shutdown()
    server.server_close()


def test_publish_notifies_the_websub_hub_once_per_change(template, tmp_path, hub):
    _, address = hub
    root = tmp_path / "p"
    shutil.copytree(template, root)
    add_show_keys(root, f'websub_hub = "{address}"')
    target = tmp_path / "site"
    result = run(root, "publish", "--to", str(target))
    assert result.exit_code == 0, result.output
    assert Hub.posts == [{"hub.mode": ["publish"], "hub.url": [BASE + "feeds/demo.xml", BASE + "feeds/demo.json"]}]
    feed = etree.fromstring((target / "feeds/demo.xml").read_bytes()).find("channel")
    assert {link.get("rel"): link.get("href") for link in feed.findall("atom:link", NS)}["hub"] == address
    again = run(root, "publish", "--to", str(target))        # nothing changed: no ping
    assert again.exit_code == 0 and len(Hub.posts) == 1


def test_a_failing_hub_is_a_warning_not_a_failed_publish(template, tmp_path, hub):
    _, address = hub
    Hub.status = 500
    root = tmp_path / "p"
    shutil.copytree(template, root)
    add_show_keys(root, f'websub_hub = "{address}"')
    result = run(root, "publish", "--to", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert f"Warning: WebSub hub {address} was not notified: the hub answered 500" in result.stderr
    assert (tmp_path / "site/feeds/demo.xml").is_file()
