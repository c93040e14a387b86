"""Compare the build directory with what is published: what to upload, skip and prune.

The remote state costs two requests however many objects there are: one GET of our
manifest (``.media-pub/manifest.json``: key -> sha256, size, ETag as of the last
publish) and one ListObjectsV2 page walk. A file is skipped only when all three agree:
its sha256 and size equal the manifest's, and the listing still shows the manifest's
ETag and size (so nobody replaced the object since). A changed file of the same size has
a different sha256, so it is caught. The README's Publishing section explains the design.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from media_pub.site import show_of
from media_pub.state import HashCache
from media_pub.storage.base import MANIFEST_KEY, STATE_PREFIX, RemoteObject, Storage

MANIFEST_VERSION = 1
# The listing walk starts after our own state keys: a 1,000-object site is one page.
LIST_START = STATE_PREFIX + "~"
_PART = 8 << 20   # must match the multipart chunk size used by storage.s3


@dataclass(frozen=True)
class LocalFile:
    """A file of the build directory, published at ``key``."""

    key: str
    path: Path
    size: int


@dataclass(frozen=True)
class Entry:
    """What the manifest remembers of a published object."""

    sha256: str
    size: int
    etag: str


@dataclass(frozen=True)
class Manifest:
    objects: Mapping[str, Entry] = field(default_factory=dict)

    def to_json(self) -> bytes:
        objects = {key: {"sha256": e.sha256, "size": e.size, "etag": e.etag}
                   for key, e in sorted(self.objects.items())}
        return json.dumps({"version": MANIFEST_VERSION, "objects": objects}, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes | None) -> Manifest:
        """Parse a manifest; a missing, foreign or damaged one counts as empty (all re-checked)."""
        try:
            raw = json.loads(data) if data else {}
            if raw.get("version") != MANIFEST_VERSION:
                return cls()
            return cls({key: Entry(str(v["sha256"]), int(v["size"]), str(v["etag"]))
                        for key, v in raw["objects"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()


@dataclass(frozen=True)
class Change:
    """One object to upload, and why."""

    file: LocalFile
    reason: str        # new | changed | missing remotely | changed remotely

    @property
    def key(self) -> str:
        return self.file.key


@dataclass(frozen=True)
class UploadPlan:
    uploads: tuple[Change, ...]
    skipped: tuple[str, ...]
    extra: tuple[str, ...]             # published but no longer built: deleted only with --prune
    verified: Mapping[str, Entry]      # manifest entries that still match the target, plus adopted ones
    hashes: Mapping[str, str]          # sha256 of the local files hashed while planning
    adopted: tuple[str, ...] = ()      # identical objects the manifest did not know (it gets rewritten)

    def is_noop(self, prune: bool) -> bool:
        return not self.uploads and not self.adopted and not (prune and self.extra)


def scan(out_dir: Path) -> dict[str, LocalFile]:
    """Every publishable file of the build directory; dot-files and dot-folders are private."""
    files: dict[str, LocalFile] = {}
    for dirpath, dirnames, filenames in os.walk(out_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath, name)
            key = path.relative_to(out_dir).as_posix()
            files[key] = LocalFile(key, path, path.stat().st_size)
    return files


def hash_all(files: Iterable[LocalFile], jobs: int = 4, cache: HashCache | None = None) -> dict[str, str]:
    files = list(files)
    cache = cache or HashCache()
    with ThreadPoolExecutor(jobs) as pool:   # hashlib releases the GIL on large buffers
        return dict(zip((f.key for f in files), pool.map(lambda f: cache.sha256(f.path), files), strict=True))


def s3_etag(path: Path, size: int) -> str:
    """The ETag S3 gives this file when uploaded with our part size (MD5, or MD5 of part MD5s)."""
    with path.open("rb") as handle:
        if size <= _PART:
            return hashlib.file_digest(handle, "md5").hexdigest()
        parts = [hashlib.md5(chunk).digest() for chunk in iter(lambda: handle.read(_PART), b"")]
    return f"{hashlib.md5(b''.join(parts)).hexdigest()}-{len(parts)}"


def read_remote(storage: Storage, local: Iterable[str] = ()) -> tuple[Manifest, dict[str, RemoteObject]]:
    """The manifest and the listing: one GET and one page walk."""
    return Manifest.from_json(storage.get(MANIFEST_KEY)), list_remote(storage, local)


def list_remote(storage: Storage, local: Iterable[str] = ()) -> dict[str, RemoteObject]:
    """One page walk that starts after ``.media-pub/``, unless a local key sorts before it."""
    return storage.list(start_after=None if any(key < LIST_START for key in local) else LIST_START)


def make_plan(local: Mapping[str, LocalFile], manifest: Manifest, remote: Mapping[str, RemoteObject],
              shows: Iterable[str] = (), jobs: int = 4, cache: HashCache | None = None) -> UploadPlan:
    """Decide, per key, upload or skip; list the remote keys the build no longer has.

    ``shows`` limits uploads and pruning to those shows' keys (plus shared keys).
    """
    shows = set(shows)

    def in_scope(key: str) -> bool:
        return not shows or show_of(key) in (None, *shows)

    verified = {key: entry for key, entry in manifest.objects.items()
                if key in remote and remote[key].etag == entry.etag and remote[key].size == entry.size}
    # Hash only the files whose skip depends on content; the rest are uploaded anyway.
    hashes = hash_all([f for key, f in local.items()
                       if in_scope(key) and key in verified and verified[key].size == f.size], jobs, cache)
    uploads: list[Change] = []
    skipped: list[str] = []
    adopted: list[str] = []
    for key, file in local.items():
        if not in_scope(key):
            continue
        entry, there = verified.get(key), remote.get(key)
        if entry is not None and entry.size == file.size and hashes.get(key) == entry.sha256:
            skipped.append(key)
        elif there is None:
            uploads.append(Change(file, "missing remotely" if key in manifest.objects else "new"))
        elif entry is None and key not in manifest.objects and there.size == file.size \
                and there.etag == s3_etag(file.path, file.size):
            # Published by another tool (or before the manifest was lost): same bytes, adopt it.
            hashes[key] = (cache or HashCache()).sha256(file.path)
            verified[key] = Entry(hashes[key], file.size, there.etag)
            skipped.append(key)
            adopted.append(key)
        elif key in manifest.objects and key not in verified:
            uploads.append(Change(file, "changed remotely"))
        else:
            uploads.append(Change(file, "changed"))
    extra = tuple(sorted(key for key in remote if key not in local and in_scope(key)))
    return UploadPlan(tuple(uploads), tuple(skipped), extra, verified, hashes, tuple(adopted))
