"""Atomic, idempotent file writes: a reader never sees half a file, and an unchanged output
is not touched (so mtimes, ETags and rsync-style tools see no change). The state files
under ``.media-pub/`` are built on these in state.py."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from media_pub.errors import ConfigError, MediaPubError, OutputError


# --- media-pub's own temporary files -------------------------------------------------------

_TEMP_MARK = ".media-pub-"


def temp_beside(dest: Path, suffix: str = ".tmp") -> Path:
    """A new empty file beside ``dest`` that is media-pub's alone, for writing ``dest`` whole.

    Created exclusively (``O_EXCL``), so no one else's file can be behind the name, with the
    mode a plain open() gives (the umask's, not mkstemp's owner-only 0600, which a web
    server could not read), and named ``.<name>.media-pub-<pid>-<random><suffix>``: a
    temp file a killed run left can be told from anyone else's and removed once its
    process is gone (:func:`remove_dead_temps`). Deleting it deletes only what media-pub made.
    """
    while True:
        path = dest.with_name(f".{dest.name}{_TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}{suffix}")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID runs on this machine (one we may not signal counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_dead_temps(folder: Path, names: Iterable[str]) -> int:
    """Remove the temp files of ``names`` in ``folder`` (:func:`temp_beside`) whose media-pub
    process is gone; any other file, and a running process's temp file, stays. Returns how
    many went. The folder is listed once, however many names."""
    wanted = set(names)
    try:
        entries = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for entry in entries:
        match = _TEMP.fullmatch(entry)
        if match and match["name"] in wanted and not pid_alive(int(match["pid"])):
            (folder / entry).unlink(missing_ok=True)
            removed += 1
    return removed


_TEMP = re.compile(r"\.(?P<name>.+)" + re.escape(_TEMP_MARK) + r"(?P<pid>\d+)-[a-z0-9_]+\.[A-Za-z0-9.]+")


def _replace_with(dest: Path, fill: Callable[[Path], object]) -> None:
    """Make ``dest`` whole in one rename: ``fill`` writes a temp file beside it."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_beside(dest)
        try:
            fill(tmp)
            os.replace(tmp, dest)   # also replaces a hard link left by an older build with a copy
        finally:
            tmp.unlink(missing_ok=True)   # ours alone (temp_beside); gone already after the rename
    except OSError as problem:
        raise OutputError(_write_problem(problem), dest) from None


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` via a temp file and rename; False if it was already so."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    _replace_with(path, lambda tmp: tmp.write_bytes(data))
    return True


def place_file(source: Path, dest: Path | str, source_stat: os.stat_result | None = None) -> bool:
    """Put a copy of ``source`` at ``dest``; False if it is already there unchanged.

    Always a copy (a reflink where the file system can share blocks, e.g. btrfs or XFS),
    never a hard link: anything that rewrites a built file in place (an editor, a sync
    tool) must not reach the volunteer's source recording or image through it.
    ``source_stat``: the caller's fresh ``os.stat(source)``, if it has one.
    """
    try:
        src_stat, dest_stat = source_stat or source.stat(), os.stat(dest)
        linked = src_stat.st_ino == dest_stat.st_ino and src_stat.st_dev == dest_stat.st_dev
        if not linked and src_stat.st_size == dest_stat.st_size and src_stat.st_mtime_ns == dest_stat.st_mtime_ns:
            return False
    except FileNotFoundError:
        pass
    _replace_with(Path(dest), lambda tmp: _copy(source, tmp))
    return True


_FICLONE = 0x40049409   # Linux ioctl: share the source's blocks (copy-on-write)


def _copy(source: Path, dest: Path) -> None:
    with source.open("rb") as src, dest.open("wb") as out:
        try:
            import fcntl

            fcntl.ioctl(out.fileno(), _FICLONE, src.fileno())
        except (ImportError, OSError):
            shutil.copyfileobj(src, out, 1 << 20)
    shutil.copystat(source, dest)


def _write_problem(problem: OSError) -> str:
    if is_disk_full(problem):
        return "cannot write: the disk is full (free some space, or build elsewhere with --out)"
    return f"cannot write: {problem.strerror or problem}"


# --- bounded readers -------------------------------------------------------------------
# Bounded readers for every file the project hands media-pub.
#
# A volunteer's folder may hold anything: a sidecar symlinked to ``/dev/zero`` or to a
# file outside the project, a FIFO named ``ep.toml`` that would block a read forever, a
# TOML or JSON file nested deeply enough to exhaust the parser. Every project file is
# read through here: regular files only, inside the project after symlinks, at most a
# known size, and parser recursion caught, so each of those is one error naming the file.

# Sidecars and show files are a few KB; 1 MiB leaves room for long show notes.
TOML_LIMIT = 1 << 20
# Transcripts of a long episode are a few MB; JSON Feeds given to validate likewise.
TEXT_LIMIT = 32 << 20

_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def kind_of(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def check_regular(path: Path, root: Path | None = None, *, file: Path | None = None,
                  field: str | None = None, error: type[MediaPubError] = ConfigError) -> Path:
    """``path`` resolved, after checking it is a regular file (inside ``root`` if given).

    ``file``/``field`` name where the path came from (a sidecar's ``media`` key); without
    them the message names the file itself.
    """
    where = file if file is not None else path
    resolved = path.resolve()
    if root is not None and not resolved.is_relative_to(root.resolve()):
        raise error(f"{_shown(path, file)} is a link that points outside the project ({resolved})", where, field)
    try:
        mode = os.stat(resolved).st_mode
    except FileNotFoundError:
        raise error(f"{_shown(path, file)}: no such file", where, field) from None
    except OSError as problem:
        raise error(f"{_shown(path, file)}: cannot read: {problem.strerror}", where, field) from None
    if not stat.S_ISREG(mode):
        raise error(f"{_shown(path, file)} is {kind_of(mode)}, not a regular file", where, field)
    return resolved


def _shown(path: Path, file: Path | None) -> str:
    return repr(path.name) if file is not None else "it"


def read_bounded(path: Path, limit: int, root: Path | None = None, *, file: Path | None = None,
                 field: str | None = None, error: type[MediaPubError] = ConfigError) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, read without blocking.

    The file is opened non-blocking and checked again on the open handle, so a file
    swapped for a FIFO between the check and the open cannot hang the read.
    """
    resolved = check_regular(path, root, file=file, field=field, error=error)
    where = file if file is not None else path
    try:
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as problem:
        raise error(f"cannot read: {problem.strerror}", where, field) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise error(f"is {kind_of(info.st_mode)}, not a regular file", where, field)
        if info.st_size > limit:
            raise error(f"is {info.st_size:,} bytes; at most {limit:,} allowed", where, field)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise error(f"is over {limit:,} bytes", where, field)
    return data


def parse_json(data: bytes | str, what: Path | str, error: type[MediaPubError] = ConfigError) -> Any:
    """json.loads with every failure (bad syntax, bad encoding, deep nesting) one error."""
    try:
        return json.loads(data)
    except RecursionError:
        raise error("invalid JSON: nested too deeply to read", what) from None
    except (ValueError, UnicodeDecodeError) as problem:
        raise error(f"invalid JSON: {problem}", what) from None


def is_disk_full(problem: OSError) -> bool:
    return problem.errno in (errno.ENOSPC, errno.EDQUOT)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
