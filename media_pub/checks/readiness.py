"""Directory readiness: feeds that are valid but that Apple, Spotify or YouTube show worse.

Warnings only, each with the directory's own guidance as its source. They run on a
project's feeds (``validate``, the publish gate) and on a feed file, but not in the bare
``validate_feed`` used to test single rules. The artwork-size part (under 3000 px) is in
artwork.py, which reads the image.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from media_pub.checks.finding import Finding, Severity
from media_pub.checks.tables import ITUNES, PODCAST, PODCAST_ALT

# "Part 3:", "Episode 12 -", "Ep. 4", "#7", "S2E3", "3." at the start of a title.
NUMBERED_TITLE = re.compile(
    r"^\s*(?:(?:part|episode|ep|chapter|no|number)\.?\s*\d+|#\s*\d+|s\d+\s*e\d+|\d+\s*[.:)\-–—])",
    re.IGNORECASE)

APPLE_TITLES = ("Apple Podcasts: \"don't include episode or season numbers in the title\" "
                "(Apple Podcasts Connect, creating an episode)")
APPLE_EPISODE_ART = ("Apple and Spotify show an episode's own artwork in the episode list and player "
                     "(Apple Podcasts artwork requirements)")
CAPTIONS = ("deaf and hard-of-hearing viewers get no captions, and Apple shows its own machine transcript "
            "instead (WCAG 2.1 success criterion 1.2.2; Podcasting 2.0 podcast:transcript rel=captions)")
YOUTUBE_RSS = ("YouTube's RSS ingestion imports each episode's audio over a still image, even when the "
               "enclosure is a video (YouTube Help: deliver podcasts to YouTube via RSS)")


def check_item(item: etree._Element, where: str) -> Iterator[Finding]:
    title = (item.findtext("title") or "").strip()
    if NUMBERED_TITLE.match(title):
        yield Finding("directory.title.number", Severity.WARNING, f"{where}/title",
                      f"{title[:60]!r} repeats the episode number; {APPLE_TITLES}",
                      "write the number as episode = N and keep the title for the episode's subject")
    yield from check_captions(item, where)
    image = item.find(f"{{{ITUNES}}}image")
    if image is None or not (image.get("href") or "").strip():
        yield Finding("directory.episode.artwork", Severity.WARNING, f"{where}/itunes:image",
                      f"no episode artwork; {APPLE_EPISODE_ART}",
                      "give the episode an image (or the show artwork)")


def check_captions(item: etree._Element, where: str) -> Iterator[Finding]:
    enclosure = item.find("enclosure")
    if enclosure is None or not (enclosure.get("type") or "").startswith("video/"):
        return
    transcripts = item.findall(f"{{{PODCAST}}}transcript") + item.findall(f"{{{PODCAST_ALT}}}transcript")
    if not any(t.get("rel") == "captions" or t.get("type") == "text/vtt" for t in transcripts):
        yield Finding("directory.captions", Severity.WARNING, f"{where}/podcast:transcript",
                      f"a video episode without captions; {CAPTIONS}",
                      "add transcript = \"<episode>.vtt\" (or .srt, .json) to the episode's sidecar")


def check_channel(channel: etree._Element) -> Iterator[Finding]:
    types = [(enclosure.get("type") or "").strip() for enclosure in channel.iter("enclosure")]
    if any(kind.startswith("video/") for kind in types):
        yield Finding("directory.youtube.video", Severity.WARNING, "channel/podcast:medium",
                      f"a video feed; {YOUTUBE_RSS}",
                      "upload the videos to YouTube itself, and leave this feed out of YouTube's RSS import")
