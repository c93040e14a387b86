"""``init`` and ``add``: write new project files for a volunteer, never overwriting one."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import tomlkit

from media_pub.errors import ConfigError, EncodeError
from media_pub.media import ffmpeg
from media_pub.media.probe import probe
from media_pub.model import Settings
from media_pub.project.load import EPISODES_DIR, FEEDS_DIR, parse_datetime, slugify
from media_pub.project.writeback import chapters_array

SITE_TOML = """\
# media-pub site settings. Every key is optional; MEDIA_PUB_<KEY> environment
# variables and command-line options override them.

# The public URL where the build folder will be served (feeds and players use it).
base_url = "https://media.example.org/"
out = "public"                  # build folder

[storage]
target = "public"               # a folder, or "s3://bucket/prefix"
# endpoint_url = "https://ACCOUNT.r2.cloudflarestorage.com"   # R2, B2, MinIO, Spaces...
# region = "auto"
# profile = "media"             # an AWS profile; credentials never go in this file
"""

SHOW_TOML = """\
# One show. Its slug (used in URLs) is this file's name: my-show.
title = "My Show"
description = "What the show is about, in a sentence or two. Markdown is fine."
author = "Our Organisation"
owner = { name = "Our Organisation", email = "podcast@example.org" }
language = "en-GB"
categories = ["Society & Culture"]
explicit = false
type = "episodic"               # or "serial" (numbered, oldest first)
medium = "podcast"              # "video" for a video series
artwork = "art/my-show.jpg"     # square JPEG or PNG, 1400-3000 px
link = "https://example.org/my-show"

[delivery]
loudness = -16.0                # integrated LUFS target
true_peak = -1.0                # dBTP ceiling
format = "mp3"                  # mp3 | m4a (audio); mp4 (video)
bitrate = "128k"
"""

EPISODE_TOML = """\
# One episode. Its slug is this file's name: welcome.
title = "Welcome to My Show"
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


def scaffold(target: Path) -> list[Path]:
    """Create a new project in ``target`` with one example show and episode."""
    files = {
        target / "media-pub.toml": SITE_TOML,
        target / FEEDS_DIR / "my-show.toml": SHOW_TOML,
        target / EPISODES_DIR / "my-show" / "welcome.toml": EPISODE_TOML.format(
            published=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")),
        target / ".gitignore": "/public/\n/.media-pub/\n",
    }
    media = target / EPISODES_DIR / "my-show" / "welcome.mp3"
    artwork = target / FEEDS_DIR / "art" / "my-show.jpg"
    existing = [p for p in [*files, media, artwork] if p.exists()]
    if existing:
        raise ConfigError("already exists; init never overwrites a file", existing[0])
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    _ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-af", "volume=-18dB",
             "-c:a", "libmp3lame", "-b:a", "64k", "-metadata", "title=Welcome to My Show"], media)
    _ffmpeg(["-f", "lavfi", "-i", "color=c=0x2a5d8f:s=1400x1400", "-frames:v", "1"], artwork)
    return [*files, media, artwork]


def _ffmpeg(args: list[str], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([ffmpeg.executable(), "-v", "error", "-y", *args, str(output)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EncodeError(f"ffmpeg could not write it: {result.stderr.strip()[-300:]}", output)


def add_episode(settings: Settings, show: str, file: Path, *, title: str | None = None,
                published: str | None = None, draft: bool = False) -> Path:
    """Create ``episodes/SHOW/<slug>.toml`` for ``file``; copy the file in if it is elsewhere."""
    project = settings.project
    show_file = project / FEEDS_DIR / f"{show}.toml"
    if not show_file.is_file():
        raise ConfigError(f"no such show {show!r} (expected {FEEDS_DIR}/{show}.toml)", show_file)
    info = probe(file.resolve())          # bad media fails here, before anything is written
    slug = slugify(file.stem)
    if not slug:
        raise ConfigError("the file name gives an empty slug; rename it with letters or digits", file)
    folder = project / EPISODES_DIR / show
    sidecar = folder / f"{slug}.toml"
    if sidecar.exists():
        raise ConfigError("already exists; add never overwrites a sidecar", sidecar)
    when = parse_datetime(published, None, "--published") if published else (
        datetime.now(UTC).replace(microsecond=0))
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
    document.add("draft", draft)
    if info.tags.get("comment"):
        document.add("description", info.tags["comment"])
    if info.chapters:
        document.add("chapters", chapters_array(info.chapters))
    tmp = sidecar.with_name(f".{sidecar.name}.tmp")
    tmp.write_text(tomlkit.dumps(document), "utf-8")
    tmp.replace(sidecar)
    return sidecar
