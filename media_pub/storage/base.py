"""What every storage target offers publish: list, read, upload in parallel, delete, lock.

Keys are paths relative to the target's root (``feeds/show.xml``), always with ``/``.
Keys under ``.media-pub/`` hold media-pub's own state (manifest, lock) and are never
listed as published objects.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from media_pub import site

STATE_PREFIX = site.STATE_DIR + "/"
MANIFEST_KEY = site.state_key("manifest.json")
LOCK_KEY = site.state_key("lock")

# A progress callback receives the number of bytes just sent; it may be called from
# worker threads, so callers serialise it themselves.
BytesCallback = Callable[[int], None]


@dataclass(frozen=True)
class RemoteObject:
    """One object as the target's listing reports it."""

    key: str
    size: int
    etag: str       # opaque change marker: the S3 ETag, or mtime+size for a folder


@dataclass(frozen=True)
class Upload:
    """One file to put at ``key`` with the headers it must be served with."""

    key: str
    path: Path
    size: int
    content_type: str
    cache_control: str


class Storage(Protocol):
    """A publish target. Implementations: ``LocalStorage`` and ``S3Storage``."""

    description: str            # for messages: "s3://bucket/prefix" or a folder path

    def list(self, start_after: str | None = None) -> dict[str, RemoteObject]:
        """Every published object (state keys excluded), in one page walk.

        ``start_after``: a key (relative to the root) to begin the walk after, so that
        media-pub's own ``.media-pub/`` keys cost no listing page.
        """

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""

    def put_bytes(self, key: str, data: bytes, content_type: str, cache_control: str) -> None:
        """Write a small object in one request (the manifest)."""

    def upload(self, uploads: Sequence[Upload], progress: BytesCallback | None = None) -> Mapping[str, str]:
        """Upload all files in parallel; return ``{key: error message}`` for those that failed.

        A failed upload leaves the previous object at that key untouched.
        """

    def delete(self, keys: Iterable[str]) -> Mapping[str, str]:
        """Delete keys; return ``{key: error message}`` for those that could not be deleted."""

    def lock(self, owner: str) -> AbstractContextManager[None]:
        """Hold the target's publish lock; raise StorageError naming the holder if it is taken."""

    def is_folder(self, path: Path) -> bool:
        """True when this target is the folder ``path`` (publishing there is a no-op)."""


def default_owner() -> str:
    """Who holds a lock, for the message the second publisher sees."""
    return f"{os.environ.get('USER', 'someone')}@{socket.gethostname()} pid {os.getpid()} ({uuid.uuid4().hex[:8]})"
