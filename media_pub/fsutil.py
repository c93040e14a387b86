"""Atomic, idempotent file writes: a reader never sees half a file, and an unchanged output
is not touched (so mtimes, ETags and rsync-style tools see no change). The state files
under ``.media-pub/`` are built on these in state.py."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


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


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
