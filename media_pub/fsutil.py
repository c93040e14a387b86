"""Atomic, idempotent file writes, and the state files built on them: a reader never sees half a file, and an unchanged
output is not touched (so mtimes, ETags and rsync-style tools see no change)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` via a temp file and rename; False if it was already so."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def place_file(source: Path, dest: Path) -> bool:
    """Put a copy of ``source`` at ``dest`` (a hard link when possible); False if unchanged."""
    try:
        src_stat, dest_stat = source.stat(), dest.stat()
        if (src_stat.st_ino == dest_stat.st_ino and src_stat.st_dev == dest_stat.st_dev) or (
            src_stat.st_size == dest_stat.st_size and src_stat.st_mtime_ns == dest_stat.st_mtime_ns
        ):
            return False
    except FileNotFoundError:
        pass
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copy2(source, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return True


class StateFile:
    """A versioned JSON table of entries in media-pub's state folder.

    Loaded once; a missing, damaged or older-version file starts empty (the caches it
    holds are rebuilt). ``save`` writes atomically, and only when an entry changed.
    """

    VERSION = 1

    def __init__(self, file: Path):
        self.file = file
        self.entries: dict[str, Any] = {}
        self.dirty = False
        try:
            data = json.loads(file.read_text("utf-8"))
            if data.get("version") == self.VERSION:
                self.entries = data["entries"]
        except (OSError, ValueError, KeyError, AttributeError):
            pass

    def save(self) -> None:
        if self.dirty:
            write_atomic(self.file, json.dumps({"version": self.VERSION, "entries": self.entries}).encode())
            self.dirty = False
