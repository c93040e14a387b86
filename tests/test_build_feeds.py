"""build end to end on real generated media; feeds read back by real podcast clients."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from lxml import etree
from mutagen import File as MutagenFile

from media_pub.cli import cli
from project_factory import make_episode, make_show, write_site

NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0"}


def run(root: Path, *args: str):
    result = CliRunner().invoke(cli, ["--project", str(root), *args], catch_exceptions=False)
    return result


def tree_digest(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_site(tmp_path)
    make_show(tmp_path, "demo")
    make_episode(tmp_path, "demo", "001-first", title="First", published="2026-01-01T09:00:00Z",
                 extra='chapters = [ { start = "00:00:00", title = "Start" }, { start = 1, title = "Later" } ]\n'
                       'persons = [ { name = "Ann Host", role = "host" }, { name = "Guest Person", role = "guest" } ]\n'
                       'season = 1\nepisode = 1\n')
    make_episode(tmp_path, "demo", "002-second", title="Second", published="2026-02-01T09:00:00Z",
                 media_suffix=".m4a", seconds=2.5)
    make_episode(tmp_path, "demo", "003-draft", title="Draft", published="2026-02-02T09:00:00Z",
                 extra="draft = true\n")
    make_episode(tmp_path, "demo", "004-later", title="Scheduled", published="2099-01-01T09:00:00Z")
    return tmp_path


def test_build_writes_feeds_that_podcast_clients_read(project: Path):
    result = run(project, "build")
    assert result.exit_code == 0, result.stderr
    out = project / "public"
    xml = (out / "feeds/demo.xml").read_bytes()

    parsed = podcastparser.parse("https://media.example.org/feeds/demo.xml", __import__("io").BytesIO(xml))
    assert parsed["title"] == "Demo Show"
    assert parsed["explicit"] is False
    titles = [e["title"] for e in parsed["episodes"]]
    assert sorted(titles) == ["First", "Second"]          # no draft, no scheduled episode
    for entry in parsed["episodes"]:
        (enclosure,) = entry["enclosures"]
        key = enclosure["url"].removeprefix("https://media.example.org/")
        delivered = out / key
        assert enclosure["file_size"] == delivered.stat().st_size
        assert enclosure["mime_type"] == {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a"}[delivered.suffix]
        assert entry["total_time"] == round(MutagenFile(delivered).info.length)
        assert entry["guid"]

    fp = feedparser.parse(xml)
    assert not fp.bozo, fp.bozo_exception
    assert [e.title for e in fp.entries] == ["Second", "First"]   # newest first
    assert fp.entries[0].guidislink is False

    root = etree.fromstring(xml)
    assert root.findtext("channel/itunes:explicit", namespaces=NS) == "false"
    cats = root.findall("channel/itunes:category", NS)
    assert [c.get("text") for c in cats] == ["Health & Fitness", "Society & Culture"]
    assert cats[0].find("itunes:category", NS).get("text") == "Mental Health"
    assert root.findtext("channel/podcast:medium", namespaces=NS) == "podcast"
    first = root.xpath("//item[title='First']")[0]
    assert first.findtext("podcast:season", namespaces=NS) == "1"
    assert first.findtext("podcast:episode", namespaces=NS) == "1"
    assert [p.text for p in first.findall("podcast:person", NS)] == ["Ann Host", "Guest Person"]
    chapters_url = first.find("podcast:chapters", NS).get("url")
    chapters = json.loads((out / chapters_url.removeprefix("https://media.example.org/")).read_text())
    assert chapters["version"] == "1.2.0"
    assert [(c["startTime"], c["title"]) for c in chapters["chapters"]] == [(0, "Start"), (1, "Later")]

    feed_json = json.loads((out / "feeds/demo.json").read_text())
    assert feed_json["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["title"] for i in feed_json["items"]] == ["Second", "First"]
    rss_guids = {e.title: e.id for e in fp.entries}
    for item in feed_json["items"]:
        assert item["id"] == rss_guids[item["title"]]
        attachment = item["attachments"][0]
        assert attachment["size_in_bytes"] == (out / attachment["url"].removeprefix("https://media.example.org/")).stat().st_size


def test_podcast_guid_follows_the_uuid5_rule_and_is_written_back(project: Path):
    import uuid
    rule = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
    # A placeholder host (example.org) is not the show's identity: the guid is in the
    # feed, computed by the rule, but not written back.
    run(project, "build")
    root = etree.fromstring((project / "public/feeds/demo.xml").read_bytes())
    guid = root.findtext("channel/podcast:guid", namespaces=NS)
    assert guid == str(uuid.uuid5(rule, "media.example.org/feeds/demo.xml"))
    assert "guid" not in (project / "feeds/demo.toml").read_text()
    # The real public URL is: written back once.
    write_site(project, "https://media.ourcharity.org.uk/")
    run(project, "build")
    root = etree.fromstring((project / "public/feeds/demo.xml").read_bytes())
    guid = root.findtext("channel/podcast:guid", namespaces=NS)
    assert guid == str(uuid.uuid5(rule, "media.ourcharity.org.uk/feeds/demo.xml"))
    assert f'guid = "{guid}"' in (project / "feeds/demo.toml").read_text()


def test_second_build_changes_no_file_and_no_guid(project: Path):
    assert run(project, "build").exit_code == 0
    sources = tree_digest(project / "episodes") | tree_digest(project / "feeds")
    outputs = tree_digest(project / "public")
    result = run(project, "build")
    assert result.exit_code == 0
    assert "0 encoded" in result.stderr and "0 file(s) written" in result.stderr
    assert tree_digest(project / "public") == outputs
    assert tree_digest(project / "episodes") | tree_digest(project / "feeds") == sources


def guids(project: Path) -> dict[str, str]:
    fp = feedparser.parse((project / "public/feeds/demo.xml").read_bytes())
    return {e.enclosures[0].href.rsplit("/", 1)[-1].split(".")[0]: e.id for e in fp.entries}


def test_guid_survives_title_change_rename_and_new_media(project: Path):
    run(project, "build")
    before = guids(project)
    sidecar = project / "episodes/demo/001-first.toml"
    # retitle
    sidecar.write_text(sidecar.read_text().replace('title = "First"', 'title = "First, retitled"'))
    # new media (re-recorded / re-normalised: different bytes, same sidecar)
    from media_factory import make_audio
    make_audio(project / "episodes/demo/002-second.m4a", 3.0, frequency=300)
    assert run(project, "build").exit_code == 0
    assert guids(project) == before
    # rename the sidecar and media together: the GUID lives in the sidecar, so it moves along
    text = sidecar.read_text().replace("001-first.mp3", "001-renamed.mp3")
    (project / "episodes/demo/001-first.mp3").rename(project / "episodes/demo/001-renamed.mp3")
    sidecar.unlink()
    (project / "episodes/demo/001-renamed.toml").write_text(text)
    assert run(project, "build").exit_code == 0
    after = guids(project)
    assert after["001-renamed"] == before["001-first"]
    assert not (project / "public/media/demo/001-first.mp3").exists()   # stale output removed


def test_guid_written_back_keeps_comments_and_layout(tmp_path: Path):
    write_site(tmp_path)
    make_show(tmp_path)
    sidecar = make_episode(tmp_path, "demo", "ep", extra="# a volunteer's note\ndescription = 'hi'  # inline\n")
    original = sidecar.read_text()
    run(tmp_path, "build")
    updated = sidecar.read_text()
    assert updated.startswith(original.rstrip("\n").split("\n")[0])
    assert "# a volunteer's note" in updated and "# inline" in updated
    assert updated.replace("\n", "").count("guid = ") == 1
    assert [line for line in updated.splitlines() if not line.startswith("guid")] == original.splitlines()


def test_unicode_and_markup_round_trip(tmp_path: Path):
    write_site(tmp_path)
    make_show(tmp_path, title="Ça & <Co> — “Shows”")
    title = 'Zoë & <b>Ann</b> "quoted" — 日本語 🎧'
    make_episode(tmp_path, "demo", "ep", title=title,
                 extra='description = "Notes with <script>alert(1)</script> & **bold** and '
                       '<img src=x onerror=alert(1)>"\n')
    assert run(tmp_path, "build").exit_code == 0
    xml = (tmp_path / "public/feeds/demo.xml").read_bytes()
    parsed = podcastparser.parse("x", __import__("io").BytesIO(xml))
    assert parsed["title"] == "Ça & <Co> — “Shows”"
    assert parsed["episodes"][0]["title"] == title
    fp = feedparser.parse(xml)
    assert fp.entries[0].title == title
    notes = fp.entries[0].description
    assert "<strong>bold</strong>" in notes and "&amp;" in notes
    assert "script" not in notes and "onerror" not in notes and "alert" not in notes.replace("alert(1)", "")
    data = json.loads((tmp_path / "public/feeds/demo.json").read_text())
    assert data["items"][0]["title"] == title
    assert "<script" not in data["items"][0]["content_html"]


def test_missing_fields_come_from_the_media_tags(tmp_path: Path):
    from media_factory import make_audio
    write_site(tmp_path)
    make_show(tmp_path)
    folder = tmp_path / "episodes/demo"
    make_audio(folder / "tagged.mp3", 1.0, metadata={"title": "From the tag", "date": "2026-03-04T05:06:07Z"})
    (folder / "tagged.toml").write_text('media = "tagged.mp3"\n')
    assert run(tmp_path, "build").exit_code == 0
    fp = feedparser.parse((tmp_path / "public/feeds/demo.xml").read_bytes())
    assert fp.entries[0].title == "From the tag"
    assert fp.entries[0].published_parsed[:5] == (2026, 3, 4, 5, 6)   # ID3 keeps minutes


def test_video_show_is_medium_video_with_mp4_enclosures(tmp_path: Path):
    write_site(tmp_path)
    make_show(tmp_path, "films", medium="video", type="serial")
    for n in (1, 2):
        make_episode(tmp_path, "films", f"part-{n}", title=f"Part {n}", media_suffix=".mp4", video=True,
                     published=f"2026-0{n}-01T09:00:00Z", extra=f"episode = {n}\n")
    assert run(tmp_path, "build").exit_code == 0
    root = etree.fromstring((tmp_path / "public/feeds/films.xml").read_bytes())
    assert root.findtext("channel/podcast:medium", namespaces=NS) == "video"
    assert root.findtext("channel/itunes:type", namespaces=NS) == "serial"
    assert {e.get("type") for e in root.iter("enclosure")} == {"video/mp4"}
    assert [i.findtext("itunes:episode", namespaces=NS) for i in root.iter("item")] == ["2", "1"]


def test_status_reports_each_state(project: Path):
    result = run(project, "status", "--json")
    states = {row["episode"]: row["state"] for row in json.loads(result.stdout)["episodes"]}
    assert states == {"001-first": "new", "002-second": "new", "003-draft": "draft", "004-later": "scheduled"}
    run(project, "build")
    states = {row["episode"]: row["state"] for row in json.loads(run(project, "status", "--json").stdout)["episodes"]}
    assert states["001-first"] == "built"
    sidecar = project / "episodes/demo/001-first.toml"
    sidecar.write_text(sidecar.read_text().replace('title = "First"', 'title = "Changed"'))
    states = {row["episode"]: row["state"] for row in json.loads(run(project, "status", "--json").stdout)["episodes"]}
    assert states["001-first"] == "changed"


def test_long_notes_are_cut_in_description_and_kept_whole_in_content_encoded(tmp_path: Path):
    write_site(tmp_path)
    make_show(tmp_path)
    notes = " ".join(f"Sentence {n} about restorative justice and repair." for n in range(200))
    make_episode(tmp_path, "demo", "ep", extra=f'description = "{notes} The very end."\n')
    assert run(tmp_path, "build").exit_code == 0
    root = etree.fromstring((tmp_path / "public/feeds/demo.xml").read_bytes())
    item = root.find("channel/item")
    assert len(item.findtext("description").encode()) <= 4000
    full = item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    assert "The very end." in full and "The very end." not in item.findtext("description")
    short = make_episode(tmp_path, "demo", "short", extra='description = "Brief."\n')
    assert short and run(tmp_path, "build").exit_code == 0
    root = etree.fromstring((tmp_path / "public/feeds/demo.xml").read_bytes())
    brief = root.xpath("//item[enclosure[contains(@url, 'short')]]")[0]
    assert brief.find("{http://purl.org/rss/1.0/modules/content/}encoded") is None


def test_status_says_published_after_a_publish(project: Path, tmp_path: Path):
    result = run(project, "publish", "--to", str(tmp_path / "site"))
    assert result.exit_code == 0, result.stderr
    rows = json.loads(run(project, "status", "--json").stdout)["episodes"]
    states = {row["episode"]: row["state"] for row in rows}
    assert states == {"001-first": "published", "002-second": "published", "003-draft": "draft",
                      "004-later": "scheduled"}


def test_a_cache_hit_restores_a_missing_waveform(project: Path):
    assert run(project, "build").exit_code == 0
    peaks = project / "public/embed/demo/001-first.peaks.json"
    original = peaks.read_bytes()
    assert len(json.loads(original)) >= 10   # a 1.5 s clip: a short waveform
    peaks.unlink()
    result = run(project, "build")
    assert result.exit_code == 0 and "0 encoded" in result.stderr
    assert peaks.read_bytes() == original
    other = run(project, "build", "--out", "elsewhere")           # a new build folder, all from cache
    assert "0 encoded" in other.stderr
    assert (project / "elsewhere/embed/demo/001-first.peaks.json").read_bytes() == original


@pytest.mark.parametrize("text", [
    'title = "x"\n\n# How it is delivered\n[delivery]\nformat = "mp3"\n',
    'title = "x"\nnotes = """\n[not a table]\n"""\n[delivery]\nformat = "mp3"\n',
    'title = "x"\nowner.name = "A"\n',
    'title = "x"\n[[persons]]\nname = "A"\n',
])
def test_guid_write_back_puts_a_top_level_key_before_the_first_table(tmp_path: Path, text: str):
    import tomllib

    from media_pub.project.writeback import write_back

    path = tmp_path / "show.toml"
    path.write_text(text, "utf-8")
    write_back(path, "guid", 'a "quoted" id')
    written = path.read_text("utf-8")
    assert tomllib.loads(written) == {**tomllib.loads(text), "guid": 'a "quoted" id'}
    assert written.replace('guid = "a \\"quoted\\" id"\n', "") == text   # nothing else moved
