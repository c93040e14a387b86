"""Stable identity: episode GUIDs and the show's podcast:guid, written back once.

An episode's GUID is a random UUID made on its first build and stored in its sidecar;
it never changes afterwards (not on rename, retitle or re-encode), because podcast apps
treat a new GUID as a new episode. The show's podcast:guid is the UUIDv5 of its feed URL
(Podcasting 2.0 rule), computed once and kept even if the feed later moves.
tomlkit rewrites only the one line, keeping the volunteer's comments and layout.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from pathlib import Path

import tomlkit

from media_pub.errors import ConfigError
from media_pub.model import Episode, Show

PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """podcast:guid for a feed URL: UUIDv5 of the URL without scheme and trailing slashes.

    Example:
        >>> podcast_guid("https://podnews.net/rss")
        '9b024349-ccf0-5f69-a609-6b82873eab3c'
    """
    name = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, name))


def write_back(path: Path, key: str, value: str) -> None:
    """Set ``key = value`` at the top level of a TOML file, atomically, keeping the rest."""
    # Write the file the sidecar is, not the link to it: replacing a symlink with a file
    # would cut it from what the volunteer linked (the loader refused links leaving the project).
    path = path.resolve()
    try:
        document = tomlkit.parse(path.read_text("utf-8"))
    except Exception as error:  # tomlkit raises its own ParseError family
        raise ConfigError(f"cannot update {key}: {error}", path, key) from None
    if key in document:
        document[key] = value
    else:
        # A top-level key must stand before the first table, or TOML would read it as
        # part of that table.
        first_table = next((i for i, (k, item) in enumerate(document.body)
                            if k is not None and isinstance(item, tomlkit.items.Table | tomlkit.items.AoT)),
                           None)
        if first_table is None:
            document.add(key, value)
        else:
            # ...and before the comments and blank lines that introduce that table.
            while first_table > 0 and document.body[first_table - 1][0] is None:
                first_table -= 1
            document._insert_at(first_table, key, value)  # tomlkit has no public insert-at
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(tomlkit.dumps(document), "utf-8")
    os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)


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
