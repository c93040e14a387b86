"""A small built site for the embed tests: real media, artwork, transcripts and peaks in an
output folder, and the model objects the build would hand to ``write_embeds``.

One podcast (two live episodes, one of them hostile: script in its title, notes, chapter
and person names; plus a draft and a scheduled one) and one video series.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from datetime import datetime, timezone
from pathlib import Path

from media_factory import make_audio, make_image, make_video

from media_pub.model import (
    BuiltShow, Chapter, Delivered, Episode, MediaInfo, Medium, Person, Settings, Show, VideoInfo,
)

BASE_URL = "https://media.example.org/"
GENERATED = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
AUDIO_SECONDS = 8.0
VIDEO_SECONDS = 4.0

# Each payload sets window.__pwned if it ever runs.
HOSTILE_TITLE = '<script>window.__pwned="title"</script><img src=x onerror="window.__pwned=\'title-img\'">'
HOSTILE_NOTES = (
    "Notes with *markdown*.\n\n<script>window.__pwned='notes'</script>\n\n"
    "<img src=x onerror=\"window.__pwned='notes-img'\"> "
    "[a link](javascript:window.__pwned='link') <b onmouseover=\"window.__pwned='hover'\">bold</b>"
)
HOSTILE_CHAPTER = "<img src=x onerror=\"window.__pwned='chapter'\">Chapter"
HOSTILE_PERSON = "<script>window.__pwned='person'</script>Eve"

VTT = """WEBVTT

00:00:00.500 --> 00:00:02.750
<v Gerard Drennan>Welcome to Locked Up Living.

00:00:03.000 --> 00:00:05.500
If there is trauma, there will have been harm.

00:00:06.000 --> 00:00:07.900
Truth and reconciliation.
"""

SRT = """1
00:00:00,000 --> 00:00:01,500
<script>window.__pwned='transcript'</script>Hello

2
00:00:01,500 --> 00:00:03,000
Second line
"""


@dataclass(frozen=True)
class Site:
    settings: Settings
    shows: tuple[BuiltShow, ...]
    out: Path


def _info(path: Path, seconds: float, video: VideoInfo | None = None) -> MediaInfo:
    return MediaInfo(path=path, size=path.stat().st_size, duration=seconds,
                     container="mp4" if video else "mp3", codec="aac" if video else "mp3",
                     channels=2, sample_rate=44100, bitrate=96000,
                     mime_type="video/mp4" if video else "audio/mpeg", video=video)


def _write(out: Path, key: str, text: str) -> str:
    (out / key).parent.mkdir(parents=True, exist_ok=True)
    (out / key).write_text(text, encoding="utf-8")
    return key


@cache
def _media() -> Path:
    """The real media and artwork, encoded once per test session and copied per site."""
    out = Path(tempfile.mkdtemp(prefix="media-pub-embed-sample-"))
    atexit.register(shutil.rmtree, out, True)
    make_image(out / "art/locked-up-living.jpg", size=600)
    make_image(out / "art/locked-up-living/001-gerard-drennan.png", size=400, colour="0x884422")
    make_audio(out / "media/locked-up-living/001-gerard-drennan.mp3", AUDIO_SECONDS)
    make_audio(out / "media/locked-up-living/002-hostile.mp3", 3.0, frequency=660)
    make_image(out / "art/ceramics.jpg", size=500, colour="0x225533")
    make_video(out / "media/ceramics/01-pots.mp4", VIDEO_SECONDS)
    return out


def build_site(root: Path) -> Site:
    """Write the sample's built files under ``root/public`` and return the model for it."""
    project, out = root, root / "public"
    shutil.copytree(_media(), out, dirs_exist_ok=True)
    settings = Settings(project=project, base_url=BASE_URL, out=Path("public"),
                        base_url_configured=True)
    sidecars = project / "episodes"

    # --- podcast ---
    podcast = Show(slug="locked-up-living", path=project / "feeds/locked-up-living.toml",
                   title="Locked Up Living", description="Restorative justice and *mental health*.",
                   author="Locked Up Living Network", language="en-GB", explicit=False,
                   link="https://example.org/locked-up-living")
    media1 = out / "media/locked-up-living/001-gerard-drennan.mp3"
    media2 = out / "media/locked-up-living/002-hostile.mp3"
    chapters = (Chapter(0.0, "Introduction"), Chapter(3.0, "Harm"),
                Chapter(6.0, "Truth and Reconciliation"))
    _write(out, "chapters/locked-up-living/001-gerard-drennan.json",
           json.dumps({"version": "1.2.0",
                       "chapters": [{"startTime": c.start, "title": c.title} for c in chapters]}))
    _write(out, "transcripts/locked-up-living/001-gerard-drennan.vtt", VTT)
    _write(out, "transcripts/locked-up-living/002-hostile.srt", SRT)
    peaks = [round(abs(((i % 20) - 10) / 10), 3) for i in range(480)]
    _write(out, "embed/locked-up-living/001-gerard-drennan.peaks.json", json.dumps(peaks))

    ep1 = Episode(show=podcast.slug, slug="001-gerard-drennan",
                  path=sidecars / "locked-up-living/001-gerard-drennan.toml",
                  title="If there is trauma, there will have been harm", media=media1,
                  published=datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc),
                  info=_info(media1, AUDIO_SECONDS),
                  description="A conversation with **Gerard Drennan**, clinical psychologist.",
                  chapters=chapters, persons=(Person("Gerard Drennan", "guest"),),
                  guid="6f1c2a8e-0001-4c3d-9a51-000000000001")
    ep2 = Episode(show=podcast.slug, slug="002-hostile",
                  path=sidecars / "locked-up-living/002-hostile.toml",
                  title=HOSTILE_TITLE, media=media2,
                  published=datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc),
                  info=_info(media2, 3.0), description=HOSTILE_NOTES,
                  chapters=(Chapter(0.0, HOSTILE_CHAPTER), Chapter(1.5, "Second")),
                  persons=(Person(HOSTILE_PERSON, "guest"),),
                  guid="6f1c2a8e-0002-4c3d-9a51-000000000002")
    draft = Episode(show=podcast.slug, slug="003-draft", path=sidecars / "x/003.toml",
                    title="A draft", media=media2, draft=True,
                    published=datetime(2026, 11, 26, tzinfo=timezone.utc), info=_info(media2, 3.0),
                    guid="draft")
    scheduled = Episode(show=podcast.slug, slug="004-later", path=sidecars / "x/004.toml",
                        title="Scheduled", media=media2,
                        published=datetime(2027, 1, 1, tzinfo=timezone.utc),
                        info=_info(media2, 3.0), guid="later")

    def delivered(episode: Episode, media: Path, seconds: float, **keys) -> Delivered:
        return Delivered(episode=episode, media_key=f"media/{podcast.slug}/{media.name}",
                         media_bytes=media.stat().st_size, media_type="audio/mpeg",
                         duration=seconds, **keys)

    podcast_built = BuiltShow(show=podcast, artwork_key="art/locked-up-living.jpg", episodes=(
        delivered(scheduled, media2, 3.0),
        delivered(ep2, media2, 3.0, transcript_key="transcripts/locked-up-living/002-hostile.srt",
                  transcript_type="application/x-subrip",
                  peaks_key="embed/locked-up-living/002-hostile.peaks.json"),   # absent: degrade
        delivered(draft, media2, 3.0),
        delivered(ep1, media1, AUDIO_SECONDS,
                  image_key="art/locked-up-living/001-gerard-drennan.png",
                  chapters_key="chapters/locked-up-living/001-gerard-drennan.json",
                  transcript_key="transcripts/locked-up-living/001-gerard-drennan.vtt",
                  transcript_type="text/vtt",
                  peaks_key="embed/locked-up-living/001-gerard-drennan.peaks.json"),
    ))

    # --- video series ---
    film = out / "media/ceramics/01-pots.mp4"
    _write(out, "transcripts/ceramics/01-pots.vtt",
           "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nA jar from the hospital.\n\n"
           "00:00:02.000 --> 00:00:04.000\nAnd a pot.\n")
    series = Show(slug="ceramics", path=project / "feeds/ceramics.toml",
                  title="Objects of Care", description="A museum director on ceramic objects.",
                  author="The Museum", language="en-GB", explicit=False, medium=Medium.VIDEO)
    pots = Episode(show=series.slug, slug="01-pots", path=sidecars / "ceramics/01-pots.toml",
                   title="Pots & jars", media=film,
                   published=datetime(2026, 11, 1, 10, 30, tzinfo=timezone.utc),
                   info=_info(film, VIDEO_SECONDS, VideoInfo("h264", 320, 180)),
                   description="Part one.", chapters=(Chapter(0.0, "Pots"), Chapter(2.0, "Jars")),
                   guid="6f1c2a8e-0101-4c3d-9a51-000000000101")
    series_built = BuiltShow(show=series, artwork_key="art/ceramics.jpg", episodes=(
        Delivered(episode=pots, media_key="media/ceramics/01-pots.mp4",
                  media_bytes=film.stat().st_size, media_type="video/mp4",
                  duration=VIDEO_SECONDS, transcript_key="transcripts/ceramics/01-pots.vtt",
                  transcript_type="text/vtt"),
    ))
    return Site(settings=settings, shows=(podcast_built, series_built), out=out)
