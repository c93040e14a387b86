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

from media_pub import site
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
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return cls()   # deep nesting too: a damaged manifest is rebuilt, never blocks a publish


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
    extra: tuple[str, ...]             # media-pub published these and no longer builds them: --prune deletes
    verified: Mapping[str, Entry]      # manifest entries that still match the target, plus adopted ones
    hashes: Mapping[str, str]          # sha256 of the local files hashed while planning
    adopted: tuple[str, ...] = ()      # identical objects the manifest did not know (it gets rewritten)
    foreign: tuple[str, ...] = ()      # not built, and not published here by media-pub: never deleted
    clashes: tuple[str, ...] = ()      # built, but another's object is at that key: never uploaded over

    def is_noop(self, prune: bool) -> bool:
        return not self.uploads and not self.adopted and not (prune and self.extra)


def scan(out_dir: Path, clips: bool = False) -> dict[str, LocalFile]:
    """Every publishable file of the build directory (site.is_published): dot-files and
    dot-folders are private, and clips stay local unless ``clips``."""
    files: dict[str, LocalFile] = {}
    for dirpath, dirnames, filenames in os.walk(out_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            key = path.relative_to(out_dir).as_posix()
            if site.is_published(key, clips):
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
              shows: Iterable[str] = (), jobs: int = 4, cache: HashCache | None = None,
              clips: bool = False) -> UploadPlan:
    """Decide, per key, upload or skip; list the remote keys the build no longer has.

    ``shows`` limits uploads and pruning to those shows' keys (plus shared keys). Clips
    are in scope only with ``clips``: a publish that was not asked for them neither
    uploads nor prunes them, and keeps their manifest entries.
    """
    shows = set(shows)

    def in_scope(key: str) -> bool:
        return (not shows or show_of(key) in (None, *shows)) and (clips or not site.is_clip(key))

    verified = {key: entry for key, entry in manifest.objects.items()
                if key in remote and remote[key].etag == entry.etag and remote[key].size == entry.size}
    # Hash only the files whose skip depends on content; the rest are uploaded anyway.
    hashes = hash_all([f for key, f in local.items()
                       if in_scope(key) and key in verified and verified[key].size == f.size], jobs, cache)
    uploads: list[Change] = []
    skipped: list[str] = []
    adopted: list[str] = []
    clashes: list[str] = []
    for key, file in local.items():
        if not in_scope(key):
            continue
        entry, there = verified.get(key), remote.get(key)
        if entry is not None and entry.size == file.size and hashes.get(key) == entry.sha256:
            skipped.append(key)
        elif there is None:
            uploads.append(Change(file, "missing remotely" if key in manifest.objects else "new"))
        elif entry is None and there.size == file.size and there.etag == s3_etag(file.path, file.size):
            # Our bytes already, though the manifest does not say so (another tool published
            # them, the manifest was lost, or a publish died before writing it): adopt it.
            hashes[key] = (cache or HashCache()).sha256(file.path)
            verified[key] = Entry(hashes[key], file.size, there.etag)
            skipped.append(key)
            adopted.append(key)
        elif entry is None and (key not in manifest.objects or not site.in_build_folder(key)):
            # Someone else's object at one of our keys, with other bytes than ours: never
            # published by us, or a website file at the root (shared with the charity's own
            # site) that someone replaced. Uploading over it would lose their file as surely
            # as deleting it: keep it, as prune does.
            clashes.append(key)
        elif entry is None:
            # Ours, replaced in one of media-pub's own folders: what listeners fetch must be
            # what the feed describes, so it goes up again.
            uploads.append(Change(file, "changed remotely"))
        else:
            uploads.append(Change(file, "changed"))
    # Prune may delete only what media-pub itself put there: objects the manifest records
    # with the ETag and size they still have. Anything else (another tool's files, or one
    # of ours replaced since) is listed and kept.
    gone = sorted(key for key in remote if key not in local and in_scope(key))
    extra = tuple(key for key in gone if key in verified)
    foreign = tuple(key for key in gone if key not in verified)
    return UploadPlan(tuple(uploads), tuple(skipped), extra, verified, hashes, tuple(adopted), foreign,
                      tuple(clashes))
