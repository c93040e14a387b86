"""Stable identity: episode GUIDs and the show's podcast:guid, written back once.

An episode's GUID is a random UUID made on its first build and stored in its sidecar;
it never changes afterwards (not on rename, retitle or re-encode), because podcast apps
treat a new GUID as a new episode. The show's podcast:guid is the UUIDv5 of its feed URL
(Podcasting 2.0 rule), computed once and kept even if the feed later moves.
tomlkit rewrites only the one line, keeping the volunteer's comments and layout.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import tomlkit

from media_pub.errors import ConfigError
from media_pub.fsutil import temp_beside
from media_pub.model import Chapter, Episode, Show
from media_pub.outputs.ids import podcast_guid


def write_back(path: Path, key: str, value: str | tomlkit.items.Item) -> None:
    """Set ``key = value`` at the top level of a TOML file, atomically, keeping the rest.

    ``value`` is text (a guid, a transcript file name) or a tomlkit item such as the
    array of chapter tables ``transcribe --chapters`` writes.
    """
    # Write the file the sidecar is, not the link to it: replacing a symlink with a file
    # would cut it from what the volunteer linked (the loader refused links leaving the project).
    path = path.resolve()
    try:
        document = tomlkit.parse(path.read_text("utf-8"))
    except Exception as error:  # tomlkit raises its own ParseError family
        raise ConfigError(f"cannot update {key}: {error}", path, key) from None
    if key in document or not any(isinstance(item, tomlkit.items.Table | tomlkit.items.AoT)
                                  for item in document.values()):
        document[key] = value        # replaced in place, or appended after the last key
        text = tomlkit.dumps(document)
    else:
        text = _before_first_table(tomlkit.dumps(document), key, value, path)
    tmp = temp_beside(path)   # beside the volunteer's file: ours alone, and gone whatever happens
    try:
        tmp.write_text(text, "utf-8")
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def chapter_start(seconds: float) -> str:
    """A chapter start as the sidecar writes it: "HH:MM:SS", with ".mmm" only when not whole."""
    millis = round(seconds * 1000)
    whole, fraction = divmod(millis, 1000)
    text = f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    return text + (f".{fraction:03d}" if fraction else "")


def chapters_array(chapters: Iterable[Chapter]) -> tomlkit.items.Array:
    """``chapters = [ { start = "00:00:00", title = "..." }, ... ]``, one table per line."""
    array = tomlkit.array()
    for chapter in chapters:
        table = tomlkit.inline_table()
        table.update({"start": chapter_start(chapter.start), "title": chapter.title})
        array.append(table)
    array.multiline(True)
    return array


def _before_first_table(text: str, key: str, value: str | tomlkit.items.Item, path: Path) -> str:
    """``text`` with ``key = value`` as a top-level key: before the first table header and
    the comments and blank lines that introduce it (after it, TOML would read the key as
    part of that table). tomlkit has no public insert-at, so the line goes in as text, and
    a place is taken only if every other value parses exactly as before."""
    if isinstance(value, tomlkit.items.Item):    # e.g. the chapters array transcribe writes
        want = {**tomllib.loads(text), key: value.unwrap()}
        line = f"{key} = {value.as_string()}\n"
    else:
        want = {**tomllib.loads(text), key: value}
        line = f"{key} = {tomlkit.string(value).as_string()}\n"
    lines = text.splitlines(keepends=True)
    for index, header in enumerate(lines):
        if not header.lstrip().startswith("["):
            continue
        start = index
        while start > 0 and (not lines[start - 1].strip() or lines[start - 1].lstrip().startswith("#")):
            start -= 1
        candidate = "".join([*lines[:start], line, *lines[start:]])
        try:
            if tomllib.loads(candidate) == want:
                return candidate
        except tomllib.TOMLDecodeError:
            pass     # that "[" was inside a multi-line string
    ending = text if text.endswith("\n") or not text else text + "\n"
    if tomllib.loads(ending + line) == want:    # only dotted keys, no table header
        return ending + line
    raise ConfigError(f"cannot add {key}: no place before the first table keeps the file's meaning; "
                      f"add {line.strip()} at the top yourself", path, key)


def ensure_episode_guid(episode: Episode) -> Episode:
    """The episode with its GUID; made and written to the sidecar on first build."""
    if episode.guid:
        return episode
    guid = str(uuid.uuid4())
    write_back(episode.path, "guid", guid)
    return replace(episode, guid=guid)


def ensure_show_guid(show: Show, feed_url: str, persist: bool) -> Show:
    """The show with its podcast:guid; written back only when the feed URL is the real one."""
    if show.guid:
        return show
    guid = podcast_guid(feed_url)
    if persist:
        write_back(show.path, "guid", guid)
    return replace(show, guid=guid)
