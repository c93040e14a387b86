"""The committed sample shows: small real media, and a build that podcast apps can read.

The samples are what a volunteer sees first (the README's first command builds them), so
their media must play, stay small, and their feeds must carry what the sidecars promise.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen import File as MutagenFile
from PIL import Image

from media_factory import FFMPEG
from media_pub import config
from media_pub.build import build

REPO = Path(__file__).resolve().parent.parent
SAMPLE_PATHS = ("media-pub.toml", "feeds", "episodes")
# The day the samples were made: the 2027 trailer is still scheduled then.
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def sample_files() -> list[Path]:
    return sorted(p for d in ("feeds", "episodes") for p in (REPO / d).rglob("*") if p.is_file())


def seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_sample_files_are_small_and_the_media_plays():
    files = sample_files()
    assert files, "the sample shows are missing: run tools/make_samples.py"
    assert all(p.stat().st_size < 1_000_000 for p in files), [p.name for p in files
                                                              if p.stat().st_size >= 1_000_000]
    assert sum(p.stat().st_size for p in files) < 6_000_000
    media = [p for p in files if p.suffix in (".mp3", ".wav", ".mp4")]
    # one ffmpeg run decodes every stream of every file; any decode error fails the test
    cmd = [FFMPEG, "-v", "error"]
    for path in media:
        cmd += ["-i", str(path)]
    for index in range(len(media)):
        cmd += ["-map", str(index)]
    decode = subprocess.run(cmd + ["-f", "null", "-"], capture_output=True, text=True, check=False)
    assert decode.returncode == 0 and not decode.stderr.strip(), decode.stderr
    durations = {p.name: MutagenFile(p).info.length for p in media}
    podcast = {k: v for k, v in durations.items() if not k.endswith(".mp4")}
    films = {k: v for k, v in durations.items() if k.endswith(".mp4")}
    assert len(podcast) >= 3 and all(20 <= v <= 40 for v in podcast.values()), podcast
    assert len(films) == 5 and all(10 <= v <= 20 for v in films.values()), films


def test_sample_artwork_meets_apple_rules():
    images = [p for p in sample_files() if p.suffix == ".jpg"]
    assert len(images) >= 3          # two shows and at least one episode image
    for path in images:
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.mode == "RGB", path
            assert image.width == image.height >= 1400, path
        assert path.stat().st_size <= 200_000, path


def test_drennan_chapters_and_transcript_follow_the_speech():
    folder = REPO / "episodes" / "locked-up-living"
    sidecar = tomllib.loads((folder / "001-gerard-drennan.toml").read_text("utf-8"))
    duration = MutagenFile(folder / sidecar["media"]).info.length
    vtt = (folder / sidecar["transcript"]).read_text("utf-8")
    assert vtt.startswith("WEBVTT")
    cues = [(seconds(a), seconds(b)) for a, b in
            re.findall(r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$", vtt, re.M)]
    assert cues and all(a < b <= duration for a, b in cues)
    assert {"<v Gerard Drennan>", "<v Morgan Ellis>"} <= set(re.findall(r"<v [^>]+>", vtt))
    starts = [seconds(c["start"]) for c in sidecar["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0 and starts[-1] < duration
    cue_starts = {a for a, _ in cues}
    assert all(start in cue_starts for start in starts[1:])   # each chapter opens with a line


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the sample project, built: guid write-back never touches the repository."""
    project = tmp_path_factory.mktemp("samples")
    for name in SAMPLE_PATHS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy2(source, project / name)
    report = build(config.load(project, {}), now=NOW)
    assert report.exit_code == 0, report.failed
    return project / "public"


def parse(built: Path, show: str) -> dict:
    xml = (built / "feeds" / f"{show}.xml").read_bytes()
    parsed = podcastparser.parse(f"https://media.example.org/feeds/{show}.xml", io.BytesIO(xml))
    assert not feedparser.parse(xml).bozo
    return parsed


def test_locked_up_living_feed(built: Path):
    parsed = parse(built, "locked-up-living")
    assert parsed["title"] == "Locked Up Living" and parsed["type"] == "episodic"
    titles = [e["title"] for e in parsed["episodes"]]
    assert "If there is trauma, there will have been harm" in titles
    # the sidecar has no title: it comes from the MP3's own tag
    assert "Keeping well inside: small habits that help" in titles
    assert "Families and visits" not in titles                    # draft
    assert "Season two: coming in January" not in titles          # scheduled for 2027
    xml = (built / "feeds/locked-up-living.xml").read_text("utf-8")
    assert "<podcast:medium>podcast</podcast:medium>" in xml
    assert 'role="guest"' in xml and "Gerard Drennan" in xml
    assert (built / "chapters/locked-up-living/001-gerard-drennan.json").is_file()
    assert (built / "transcripts/locked-up-living/001-gerard-drennan.vtt").is_file()
    assert 'href="https://restorativejustice.org.uk/"' in xml      # Markdown notes became HTML


def test_bethlem_ceramics_feed_is_a_five_part_video_series(built: Path):
    parsed = parse(built, "bethlem-ceramics")
    assert parsed["type"] == "serial"
    episodes = sorted(parsed["episodes"], key=lambda e: e["number"])
    assert [e["number"] for e in episodes] == [1, 2, 3, 4, 5]
    assert all(e["enclosures"][0]["mime_type"] == "video/mp4" for e in episodes)
    assert "final" in episodes[-1]["title"].lower()
    xml = (built / "feeds/bethlem-ceramics.xml").read_text("utf-8")
    assert "<podcast:medium>video</podcast:medium>" in xml


def test_sample_episodes_are_delivered_at_target_loudness_with_a_waveform(built: Path):
    """The README's first command: every delivered podcast episode is MP3 at -16 LUFS (the
    show's target) with true peak under -1 dBTP, measured by ffmpeg's own ebur128 meter, and
    carries the peaks its player page draws as a seek bar. Mono files are metered as
    dual-mono (as players play them on both speakers; a plain one-channel reading is 3 LU lower)."""
    import json

    for media in sorted((built / "media/locked-up-living").iterdir()):
        assert media.suffix == ".mp3"                     # the WAV source too
        meter = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(media), "-af",
                                "ebur128=peak=true:dualmono=true", "-f", "null", "-"], capture_output=True, text=True)
        summary = meter.stderr.rsplit("Summary:", 1)[1]
        integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
        peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
        assert abs(integrated - -16.0) <= 1.0 and peak <= -1.0, (media.name, integrated, peak)
        peaks = json.loads((built / f"embed/locked-up-living/{media.stem}.peaks.json").read_text())
        assert 100 <= len(peaks) <= 1000 and max(peaks) > 0.1 and all(0 <= p <= 1 for p in peaks)
        page = (built / f"embed/locked-up-living/{media.stem}.html").read_text()
        assert "wave" in page
