"""Transcripts in every format (SPEC 5.4, delivery): VTT, SRT and JSON round trips, delivered
through `build`, read back by webvtt-py, and video captions loaded by Chromium."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
import webvtt
from click.testing import CliRunner
from lxml import etree

from media_pub.cli import cli
from media_pub.outputs import transcripts
from media_pub.outputs.transcripts import Cue
from project_factory import make_episode, make_show, write_site

BASE = "https://media.example.org/"
NS = {"podcast": "https://podcastindex.org/namespace/1.0"}

VTT = """WEBVTT

NOTE written by hand

intro
00:00:00.250 --> 00:00:02.125 align:start
<v Gerard Drennan>If there is trauma, there will have been harm &amp; hurt.</v>

00:02.130 --> 00:03.999
<v Ann Host>And <i>repair</i> starts with listening.

00:00:04.000 --> 00:00:05.000
<v Ann Host>Thank you.
"""

EXPECTED = (Cue(0.25, 2.125, "If there is trauma, there will have been harm & hurt.", "Gerard Drennan"),
            Cue(2.13, 3.999, "And repair starts with listening.", "Ann Host"),
            Cue(4.0, 5.0, "Thank you.", "Ann Host"))


def same(cues, expected=EXPECTED):
    assert len(cues) == len(expected)
    for got, want in zip(cues, expected, strict=True):
        assert abs(got.start - want.start) <= 0.01 and abs(got.end - want.end) <= 0.01, (got, want)
        assert (got.text, got.speaker) == (want.text, want.speaker)


def test_vtt_reads_with_speakers_entities_and_markup():
    same(transcripts.read(VTT.encode(), ".vtt"))


@pytest.mark.parametrize("path", [(".vtt", ".srt", ".json", ".vtt"), (".vtt", ".json", ".srt", ".json", ".vtt"),
                                  (".vtt", ".srt", ".srt", ".json")])
def test_round_trips_across_the_three_formats_keep_times_texts_and_speakers(path):
    cues = transcripts.read(VTT.encode(), path[0])
    for suffix in path[1:]:
        cues = transcripts.read(transcripts.WRITERS[suffix](cues), suffix)
    same(cues)


def test_srt_is_numbered_with_commas_and_names_the_speaker_when_it_changes():
    srt = transcripts.write_srt(EXPECTED).decode()
    assert srt.startswith("1\n00:00:00,250 --> 00:00:02,125\nGerard Drennan: If there is trauma,")
    assert "\n2\n00:00:02,130 --> 00:00:03,999\nAnn Host: And repair" in srt
    assert "\n3\n00:00:04,000 --> 00:00:05,000\nThank you.\n" in srt       # same speaker: no name again
    assert "&amp;" not in srt


def test_json_word_timings_become_caption_cues():
    words = [{"speaker": "Ann", "startTime": i * 0.3, "endTime": i * 0.3 + 0.25, "body": w}
             for i, w in enumerate(["we", "are", "here", "to", "listen", "and", "to", "learn"])]
    words.append({"speaker": "Bo", "startTime": 3.0, "endTime": 3.5, "body": "Yes."})
    cues = transcripts.read(json.dumps({"version": "1.0.0", "segments": words}).encode(), ".json")
    assert [(c.text, c.speaker) for c in cues] == [("we are here to listen and to learn", "Ann"), ("Yes.", "Bo")]
    assert cues[0].start == 0 and abs(cues[0].end - 2.35) < 0.001


@pytest.mark.parametrize(("data", "suffix", "says"), [
    (b"not a caption file", ".vtt", "not valid WebVTT"),
    (b'{"segments": [{"startTime": "soon", "body": "x"}]}', ".json", "numeric startTime"),
    (b'{"version": "1.0.0"}', ".json", 'no "segments" list'),
    (b"WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nbackwards\n", ".vtt", "ends before it starts"),
    (b"\xff\xfe\x00junk", ".srt", "not UTF-8"),
])
def test_malformed_transcripts_are_refused(data, suffix, says):
    with pytest.raises(transcripts.TranscriptError, match=says):
        transcripts.read(data, suffix)


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--project", str(root), *args])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tr") / "project"
    root.mkdir()
    write_site(root)
    make_show(root, "demo")
    folder = root / "episodes/demo"
    folder.mkdir(parents=True)
    (folder / "a.vtt").write_text(VTT)
    (folder / "b.srt").write_bytes(transcripts.write_srt(EXPECTED))
    (folder / "c.json").write_bytes(transcripts.write_json(EXPECTED))
    (folder / "d.html").write_text('<p><cite>Ann:</cite> <time>0:01</time> Hello <script>alert(1)</script>'
                                   '<img src=x onerror=alert(2)><a href="javascript:x">there</a></p>')
    for slug, name in (("a", "a.vtt"), ("b", "b.srt"), ("c", "c.json"), ("d", "d.html")):
        make_episode(root, "demo", slug, title=slug.upper(), seconds=6.0, extra=f'transcript = "{name}"\n')
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    return root


@pytest.mark.parametrize("slug", ["a", "b", "c"])
def test_every_timed_source_is_delivered_in_all_three_formats(built, slug):
    out = built / "public/transcripts/demo"
    same(tuple(Cue(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000,
                   " ".join(c.text.split()).replace("&amp;", "&"), c.voice)
               for c in webvtt.read(str(out / f"{slug}.vtt")).captions))
    srt = webvtt.from_srt(str(out / f"{slug}.srt")).captions
    assert [c.start for c in srt] == ["00:00:00.250", "00:00:02.130", "00:00:04.000"]
    segments = json.loads((out / f"{slug}.json").read_bytes())["segments"]
    assert [(s["speaker"], s["startTime"], s["body"][:9]) for s in segments] == [
        ("Gerard Drennan", 0.25, "If there "), ("Ann Host", 2.13, "And repai"), ("Ann Host", 4.0, "Thank you")]


def test_each_format_has_its_podcast_transcript_and_the_vtt_is_the_captions(built):
    items = etree.fromstring((built / "public/feeds/demo.xml").read_bytes()).iter("item")
    by_title = {item.findtext("title"): item.findall("podcast:transcript", NS) for item in items}
    for slug in ("a", "b", "c"):
        tags = [(t.get("url"), t.get("type"), t.get("rel")) for t in by_title[slug.upper()]]
        assert tags == [(f"{BASE}transcripts/demo/{slug}.vtt", "text/vtt", "captions"),
                        (f"{BASE}transcripts/demo/{slug}.srt", "application/x-subrip", None),
                        (f"{BASE}transcripts/demo/{slug}.json", "application/json", None)]
    assert [(t.get("type"), t.get("rel")) for t in by_title["D"]] == [("text/html", None)]


def test_html_transcripts_are_sanitised_like_show_notes(built):
    page = (built / "public/transcripts/demo/d.html").read_text()
    assert "<cite>Ann:</cite>" in page and "<time>0:01</time>" in page and "Hello" in page
    for bad in ("script", "alert", "onerror", "<img", "javascript:"):
        assert bad not in page, page
    assert not (built / "public/transcripts/demo/d.vtt").exists()


def test_a_malformed_transcript_names_the_sidecar_and_key_and_writes_nothing(tmp_path):
    write_site(tmp_path)
    make_show(tmp_path, "demo")
    (tmp_path / "episodes/demo").mkdir(parents=True)
    (tmp_path / "episodes/demo/x.vtt").write_text("WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nbackwards\n")
    make_episode(tmp_path, "demo", "x", extra='transcript = "x.vtt"\n')
    result = run(tmp_path, "build")
    assert result.exit_code == 1
    assert "episodes/demo/x.toml: transcript: x.vtt: the cue at" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "public").exists()


def test_validate_warns_when_a_video_episode_has_no_captions(tmp_path):
    write_site(tmp_path)
    make_show(tmp_path, "films", medium="video")
    make_episode(tmp_path, "films", "one", media_suffix=".mp4", video=True)
    result = run(tmp_path, "validate", "films")
    assert result.exit_code == 0, result.output
    assert any(line.startswith("WARNING directory.captions episodes/films/one.toml:transcript: a video episode "
                               "without captions") for line in
               result.stdout.splitlines()), result.stdout


CHROMIUM = "/usr/bin/chromium"
# Run in its own process: the player tests keep a sync playwright session open for the whole
# test session, and playwright allows one per thread.
CAPTIONS_PROBE = """
import json, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=sys.argv[1], args=["--headless", "--no-sandbox"])
    page = browser.new_page()
    page.goto(sys.argv[2])
    video = "document.querySelector('video')"
    page.wait_for_function(f"{video} && {video}.textTracks.length > 0 && {video}.textTracks[0].cues"
                           f" && {video}.textTracks[0].cues.length > 0", timeout=15000)
    print(json.dumps(page.evaluate(f"[{video}.textTracks[0].kind, {video}.textTracks[0].cues.length, "
                                   f"Array.from({video}.textTracks[0].cues).map(c => [c.startTime, c.text])]")))
    browser.close()
"""


def test_video_captions_load_in_chromium(tmp_path):
    """The delivered VTT is the video player's captions track, and Chromium parses every cue."""
    import subprocess
    import sys

    from media_pub.serve import make_server

    write_site(tmp_path, "http://127.0.0.1:8000/")
    make_show(tmp_path, "films", medium="video")
    (tmp_path / "episodes/films").mkdir(parents=True)
    (tmp_path / "episodes/films/one.srt").write_bytes(transcripts.write_srt(EXPECTED))
    make_episode(tmp_path, "films", "one", media_suffix=".mp4", video=True, seconds=6.0,
                 extra='transcript = "one.srt"\n')
    assert run(tmp_path, "build").exit_code == 0
    server = make_server(tmp_path / "public", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        probe = subprocess.run([sys.executable, "-c", CAPTIONS_PROBE, CHROMIUM, server.url + "embed/films/one.html"],
                               capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert probe.returncode == 0, probe.stderr
    kind, count, cues = json.loads(probe.stdout)
    assert (kind, count) == ("captions", 3)
    assert [round(start, 2) for start, _ in cues] == [0.25, 2.13, 4.0]
    assert "If there is trauma" in cues[0][1]


def test_the_samples_have_artwork_on_every_item_and_captions_on_every_video(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    for name in ("feeds", "episodes"):
        shutil.copytree(repo / name, tmp_path / name)
    shutil.copyfile(repo / "media-pub.toml", tmp_path / "media-pub.toml")
    assert run(tmp_path, "build").exit_code == 0
    for feed in (tmp_path / "public/feeds").glob("*.xml"):
        root = etree.fromstring(feed.read_bytes())
        for item in root.iter("item"):
            image = item.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}image")
            assert image is not None and image.get("href"), (feed.name, item.findtext("title"))
            if item.find("enclosure").get("type", "").startswith("video/"):
                captions = [t for t in item.findall("podcast:transcript", NS) if t.get("rel") == "captions"]
                assert captions, (feed.name, item.findtext("title"))
