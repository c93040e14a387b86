"""``init`` and ``add``: write new project files for a volunteer, never overwriting one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import tomlkit

from media_pub.errors import ConfigError, EncodeError
from media_pub.fsutil import temp_beside
from media_pub.media import ffmpeg
from media_pub.media.probe import probe
from media_pub.model import DEFAULT_DELIVERY, Settings
from media_pub.project.load import (ARTWORK_DIR, EPISODES_DIR, FEEDS_DIR, load_show, parse_datetime, slugify,
                                    tag_datetime)
from media_pub.project.writeback import chapters_array

SITE_TOML = """\
# media-pub site settings. Every key is optional; MEDIA_PUB_<KEY> environment
# variables and command-line options override them.

# The public URL where the build folder will be served (feeds and players use it).{note}
base_url = {base_url}
out = "public"                  # build folder

[storage]
target = "public"               # a folder, or "s3://bucket/prefix"
# endpoint_url = "https://ACCOUNT.r2.cloudflarestorage.com"   # R2, B2, MinIO, Spaces...
# region = "auto"
# profile = "media"             # an AWS profile; credentials never go in this file
"""

SHOW_TOML = """\
# One show. Its slug (used in URLs) is this file's name: {slug}.
title = {title}
description = "What the show is about, in a sentence or two. Markdown is fine."
author = "Our Organisation"
owner = {{ name = "Our Organisation", email = {email} }}{email_note}
language = "en-GB"
categories = ["Society & Culture"]
explicit = false
type = "episodic"               # or "serial" (numbered, oldest first)
medium = "podcast"              # "video" for a video series
artwork = "{artwork}"{art_pad}# square JPEG or PNG, 1400-3000 px
# link = "https://..."          # the show's web page

[delivery]
loudness = {loudness:<16}# integrated LUFS target
true_peak = {true_peak:<15}# dBTP ceiling
format = "mp3"                  # mp3 | m4a (audio); mp4 (video)
bitrate = {bitrate}
"""

EPISODE_TOML = """\
# One episode. Its slug is this file's name: welcome.
title = {title}
media = "welcome.mp3"           # relative to this file
published = {published}
draft = false                   # true: never built into feeds
description = \"\"\"
A first episode. Show notes may use **Markdown** or simple HTML:
*emphasis*, lists and links.
\"\"\"
chapters = [
  {{ start = "00:00:00", title = "Hello" }},
  {{ start = "00:00:03", title = "What comes next" }},
]
"""

# Stand-ins until the volunteer gives their own (see project/placeholders.py: they never
# become identity, and publish to a real bucket refuses them).
EXAMPLE_BASE_URL = "https://media.example.org/"
EXAMPLE_EMAIL = "podcast@example.org"
EXAMPLE_TITLE = "My Show"


@dataclass(frozen=True)
class Identity:
    """What ``init`` may ask for; None keeps the example value."""

    title: str | None = None
    base_url: str | None = None
    email: str | None = None


def check_base_url(value: str) -> str:
    """A public http(s) URL, with the trailing slash the settings expect."""
    value = value.strip()
    if not re.fullmatch(r"https?://[^\s/?#]+\.[^\s/?#]+(/[^\s?#]*)?", value):
        raise ConfigError(f"{value!r} is not a public URL such as https://media.ourcharity.org/", None,
                          "base_url")
    return value if value.endswith("/") else value + "/"


def check_email(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ConfigError(f"{value!r} is not an email address", None, "owner.email")
    return value


def scaffold(target: Path, identity: Identity = Identity()) -> list[Path]:
    """Create a new project in ``target`` with one example show and episode.

    Example:
        >>> scaffold(Path("my-podcast"), Identity(title="Locked Up Living"))[1].name
        'locked-up-living.toml'
    """
    title = identity.title.strip() if identity.title and identity.title.strip() else EXAMPLE_TITLE
    slug = slugify(title) or "my-show"
    base_url = check_base_url(identity.base_url) if identity.base_url else EXAMPLE_BASE_URL
    email = check_email(identity.email) if identity.email else EXAMPLE_EMAIL
    published = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    files = {
        target / "media-pub.toml": SITE_TOML.format(
            base_url=_toml(base_url),
            note="" if identity.base_url
            else "\n# An example: until you write yours, nothing is published to a bucket."),
        target / FEEDS_DIR / f"{slug}.toml": SHOW_TOML.format(
            slug=slug, title=_toml(title), email=_toml(email),
            email_note="" if identity.email else "   # an example: write one someone reads",
            artwork=f"{ARTWORK_DIR}/{slug}.jpg", art_pad=" " * max(1, 14 - len(slug)),
            loudness=DEFAULT_DELIVERY.loudness, true_peak=DEFAULT_DELIVERY.true_peak,
            bitrate=_toml(DEFAULT_DELIVERY.bitrate)),
        target / EPISODES_DIR / slug / "welcome.toml": EPISODE_TOML.format(
            title=_toml(f"Welcome to {title}"), published=published),
        target / ".gitignore": "/public/\n/.media-pub/\n",
    }
    media = target / EPISODES_DIR / slug / "welcome.mp3"
    artwork = target / FEEDS_DIR / ARTWORK_DIR / f"{slug}.jpg"
    existing = [p for p in [*files, media, artwork] if p.exists()]
    if existing:
        raise ConfigError("already exists; init never overwrites a file", existing[0])
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    _ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-af", "volume=-18dB",
             "-c:a", "libmp3lame", "-b:a", "64k", "-metadata", f"title=Welcome to {title}"], media)
    _ffmpeg(["-f", "lavfi", "-i", "color=c=0x2a5d8f:s=1400x1400", "-frames:v", "1"], artwork)
    return [*files, media, artwork]


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")   # TOML forbids a raw DEL


def _ffmpeg(args: list[str], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([ffmpeg.executable(), "-v", "error", "-y", *args, str(output)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EncodeError(f"ffmpeg could not write it: {result.stderr.strip()[-300:]}", output)


@dataclass(frozen=True)
class Added:
    """What ``add`` wrote, and what the volunteer should know about it."""

    sidecar: Path
    warnings: tuple[str, ...] = ()


# Written below the keys ``add`` fills in, so the volunteer sees what else an episode can
# say without opening the README. Commented out: the sidecar stays valid as it is.
NOTES_TEMPLATE = '''\
Show notes: what listeners read in their app (Markdown or simple HTML).
Without them the episode goes live with an empty description.
description = """
What this episode is about, who is in it, and links for more.
"""'''
CHAPTERS_TEMPLATE = """\
Chapters: where each part starts (hours:minutes:seconds), shown by apps that support them.
chapters = [
  { start = "00:00:00", title = "Introduction" },
  { start = "00:05:30", title = "The conversation" },
]"""
PERSONS_TEMPLATE = """\
Hosts and guests (roles from the Podcast Taxonomy: host, co-host, guest, producer...).
An episode's list replaces the show's, so name the hosts here too.
persons = [
  { name = "Host Name", role = "host" },
  { name = "Guest Name", role = "guest" },
]"""


def add_episode(settings: Settings, show: str, file: Path, *, title: str | None = None,
                published: str | None = None, draft: bool = False) -> Added:
    """Create ``episodes/SHOW/<slug>.toml`` for ``file``; copy the file in if it is elsewhere.

    Missing fields come from the file's own tags (title, date, comment, chapters). A file
    that the show cannot deliver (audio for a video show) is refused before anything is
    written; a video for an audio show is accepted with a warning (it is delivered as sound).
    """
    project = settings.project
    show_file = project / FEEDS_DIR / f"{show}.toml"
    if not show_file.is_file():
        raise ConfigError(f"no such show {show!r} (expected {FEEDS_DIR}/{show}.toml)", show_file)
    medium = load_show(project, show_file).medium
    info = probe(file.resolve())          # bad media fails here, before anything is written
    warnings: list[str] = []
    if medium.is_video and not info.is_video:
        raise ConfigError(f"has no video stream, but {show} is a video show (medium = \"{medium}\"); "
                          "add the video file, or add this recording to an audio show", file)
    if info.is_video and not medium.is_video:
        warnings.append(f"{file.name} is a video, but {show} is an audio show: listeners get the sound only "
                        "(add it to a video show to keep the picture)")
    slug = slugify(file.stem)
    if not slug:
        raise ConfigError("the file name gives an empty slug; rename it with letters or digits", file)
    folder = project / EPISODES_DIR / show
    sidecar = folder / f"{slug}.toml"
    if sidecar.exists():
        raise ConfigError("already exists; add never overwrites a sidecar", sidecar)
    tagged = tag_datetime(info.tags.get("date", ""))
    if published:
        when = parse_datetime(published, None, "--published")
    elif tagged is not None:
        when = tagged
    else:
        when = datetime.now(timezone.utc).replace(microsecond=0)
    source = file.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if source.is_relative_to(folder.resolve()):
        media_name = source.relative_to(folder.resolve()).as_posix()
    else:
        media_name = f"{slug}{source.suffix.lower()}"
        destination = folder / media_name
        if destination.exists():
            raise ConfigError("already exists; add never overwrites media", destination)
        shutil.copy2(source, destination)

    document = tomlkit.document()
    document.add(tomlkit.comment(f"Added by media-pub from {file.name}; edit freely."))
    document.add("title", title or info.tags.get("title") or file.stem.replace("-", " ").replace("_", " "))
    document.add("media", media_name)
    document.add("published", when)
    if tagged is not None and not published:
        document["published"].comment("from the file's date tag")
    document.add("draft", draft)
    if info.tags.get("comment"):
        document.add("description", info.tags["comment"])
    if info.chapters:
        document.add("chapters", chapters_array(info.chapters))
    templates = [text for key, text in (("description", NOTES_TEMPLATE), ("chapters", CHAPTERS_TEMPLATE),
                                        ("persons", PERSONS_TEMPLATE)) if key not in document]
    for text in templates:
        document.add(tomlkit.nl())
        for line in text.splitlines():
            document.add(tomlkit.comment(line))
    tmp = temp_beside(sidecar)   # never a name of the volunteer's own
    try:
        tmp.write_text(tomlkit.dumps(document), "utf-8")
        tmp.replace(sidecar)
    finally:
        tmp.unlink(missing_ok=True)
    return Added(sidecar, tuple(warnings))
