"""Who is working on a project or a target, and whether that process is still alive.

A lock records its holder as host + PID + the process's start time. On the same host a
holder whose PID is gone (or now belongs to a process that started later, i.e. the PID
was reused) is dead, so its lock is taken over at once instead of blocking for hours.
The project lock (``.media-pub/lock``) also uses flock, which the kernel drops when the
holder dies; the record is what the second command's message names.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media_pub.errors import LockedError, MediaPubError

# How long a second build or publish of the same project waits for the first.
PROJECT_LOCK_WAIT = 30.0
_POLL = 0.2


def process_start(pid: int) -> float | None:
    """The process's start time (seconds since the epoch), None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])
        with open("/proc/stat", "rb") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith(b"btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


@dataclass(frozen=True)
class Holder:
    """The process holding a lock."""

    host: str
    pid: int
    started: float          # the process's start time, to tell a reused PID apart
    since: float            # when it took the lock
    command: str = "media-pub"
    user: str = ""

    @classmethod
    def me(cls, command: str = "media-pub") -> Holder:
        pid = os.getpid()
        return cls(socket.gethostname(), pid, process_start(pid) or 0.0, time.time(), command,
                   os.environ.get("USER", ""))

    def as_dict(self) -> dict[str, Any]:
        return {"host": self.host, "pid": self.pid, "started": self.started, "since": self.since,
                "command": self.command, "user": self.user}

    @classmethod
    def from_dict(cls, data: object) -> Holder | None:
        """A holder from a lock body; None for anything malformed ([1,2], strings, bad types)."""
        if not isinstance(data, Mapping):
            return None
        try:
            host, pid = data["host"], data["pid"]
            started, since = data.get("started", 0.0), data["since"]
            if not isinstance(host, str) or isinstance(pid, bool) or not isinstance(pid, int):
                return None
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (started, since)):
                return None
            return cls(host, pid, float(started), float(since), str(data.get("command", "media-pub")),
                       str(data.get("user", "")))
        except (KeyError, TypeError, ValueError):
            return None

    def is_dead(self) -> bool:
        """True only when we can tell: same host, and the PID is gone or was reused since."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        started = process_start(self.pid)
        return bool(self.started and started and abs(started - self.started) > 1.0)

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(self.since))
        who = f"{self.user}@{self.host}" if self.user else self.host
        return f"{self.command} by {who}, pid {self.pid}, since {since}"


_held = threading.local()


@contextmanager
def project_lock(state_dir: Path, command: str = "media-pub", wait: float | None = None) -> Iterator[None]:
    """Hold the project's build/publish lock; re-entrant within one thread.

    A second command waits up to ``wait`` seconds (PROJECT_LOCK_WAIT) for the first, then
    fails naming it. A lock whose holder died is free at once (the kernel drops flocks).
    """
    key = str(state_dir.resolve())
    depth: dict[str, int] = getattr(_held, "depth", None) or {}
    _held.depth = depth
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return
    path = state_dir / "lock"
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as error:
        raise MediaPubError(f"cannot create the project lock: {error.strerror}", path) from None
    try:
        deadline = time.monotonic() + (PROJECT_LOCK_WAIT if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(f"another media-pub command is working on this project ({_holder(fd)}); "
                                      "try again when it has finished", path) from None
                time.sleep(_POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(Holder.me(command).as_dict()).encode(), 0)
        depth[key] = 1
        try:
            yield
        finally:
            depth.pop(key, None)
    finally:
        os.close(fd)   # releases the flock


def _holder(fd: int) -> str:
    try:
        raw = os.pread(fd, 4096, 0)
        holder = Holder.from_dict(json.loads(raw)) if raw else None
    except (OSError, ValueError, RecursionError):
        holder = None
    return holder.describe() if holder else "another process"
