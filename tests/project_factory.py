"""Write small real projects for tests: TOML files plus generated media."""

from __future__ import annotations

from pathlib import Path

from media_factory import make_audio, make_image, make_video

SHOW = """\
title = {title!r}
description = "A show about **things**."
author = "Test Network"
owner = {{ name = "Test Network", email = "owner@example.org" }}
language = "en-GB"
categories = ["Health & Fitness/Mental Health", "Society & Culture"]
explicit = false
type = "{type}"
medium = "{medium}"
artwork = "art/{slug}.jpg"
link = "https://example.org/{slug}"

[delivery]
format = "{format}"
"""


def toml_string(value: str) -> str:
    """A TOML basic string for any text (json escapes are valid TOML escapes).

    json leaves DEL (U+007F) raw, which TOML forbids in strings, so it is escaped too.
    """
    import json

    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def make_show(root: Path, slug: str = "demo", *, title: str = "Demo Show", medium: str = "podcast",
              type: str = "episodic", format: str | None = None) -> Path:
    fmt = format or ("mp4" if medium in ("video", "film") else "mp3")
    path = root / "feeds" / f"{slug}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SHOW.format(title=title, slug=slug, medium=medium, type=type, format=fmt).replace(
        f"title = {title!r}", f"title = {toml_string(title)}"), "utf-8")
    make_image(root / "feeds" / "art" / f"{slug}.jpg")
    return path


def make_episode(root: Path, show: str, slug: str, *, title: str | None = "An episode",
                 published: str = "2026-01-01T09:00:00Z", media_suffix: str = ".mp3",
                 seconds: float = 1.5, extra: str = "", video: bool = False, media: bool = True) -> Path:
    folder = root / "episodes" / show
    folder.mkdir(parents=True, exist_ok=True)
    media_path = folder / f"{slug}{media_suffix}"
    if media:
        (make_video(media_path, seconds) if video else make_audio(media_path, seconds))
    lines = [f"media = {toml_string(media_path.name)}", f"published = {published}"]
    if title is not None:
        lines.insert(0, f"title = {toml_string(title)}")
    sidecar = folder / f"{slug}.toml"
    sidecar.write_text("\n".join(lines) + "\n" + extra, "utf-8")
    return sidecar


def write_site(root: Path, base_url: str = "https://media.example.org/") -> None:
    (root / "media-pub.toml").write_text(f'base_url = "{base_url}"\n', "utf-8")


def source_snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under root, except media-pub's own caches; safe on hostile trees.

    A symlink is recorded with its target (and the target's hash when that is a regular
    file); FIFOs and devices are recorded by kind and never opened; folders by name, so a
    folder that appears (``public/``, ``s3:``) changes the snapshot too.
    """
    import hashlib
    import os
    import stat

    found: dict[str, str] = {}
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if ".media-pub" in path.relative_to(root).parts:
            continue
        mode = os.lstat(path).st_mode
        entry = ""
        if stat.S_ISLNK(mode):
            entry = "link -> " + os.readlink(path) + " "
            try:
                mode = os.stat(path).st_mode
            except OSError:
                found[key] = entry + "(dangling)"
                continue
        if stat.S_ISREG(mode):
            found[key] = entry + hashlib.sha256(path.read_bytes()).hexdigest()
        elif stat.S_ISDIR(mode):
            found[key + "/"] = entry + "folder"
        else:
            found[key] = entry + f"special {stat.S_IFMT(mode):o}"
    return found


def copy_project(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of a module-scoped template project, for one test to change freely."""
    import shutil

    root = tmp_path / "project"
    shutil.copytree(template, root)
    return root
