"""Put the build directory on the storage target, in an order that never breaks a feed.

Order: media, artwork, chapters and transcripts; then player pages and oEmbed; then the
feeds; then ``embed/index.json``; then the manifest; then, with ``prune``, deletions. A
phase starts only when every upload before it succeeded, so a feed never goes up before
what it references, and a failed publish leaves the old feeds and index in place. Objects
are deleted only after the new feeds and index are up, so the live feed never loses a file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from media_pub.errors import OutputError, StorageError
from media_pub.locks import project_lock
from media_pub.model import Settings
from media_pub.site import Phase, cache_control, content_type, phase_of, show_of
from media_pub.progress import UPLOAD, Progress
from media_pub.plan import (
    Change,
    Entry,
    LocalFile,
    Manifest,
    UploadPlan,
    hash_all,
    list_remote,
    make_plan,
    read_remote,
    scan,
)
from media_pub.report import Action, Failure, PublishReport
from media_pub.state import HashCache, PublishedRecord
from media_pub.storage import MANIFEST_KEY, Storage, Upload, default_owner, open_target

log = logging.getLogger(__name__)
FOREIGN = "not published by media-pub"


def publish(settings: Settings, shows: Iterable[str] = (), *, target: str | None = None, out: Path | None = None,
            dry_run: bool = False, prune: bool = False, progress: Progress | None = None,
            storage: Storage | None = None, clips: bool = False) -> PublishReport:
    """Publish the build directory to ``target`` (default ``settings.storage.target``).

    Unchanged objects are skipped (content-exact, see plan.py). The clips under
    ``clips/<show>/`` go up (and, with ``prune``, the recorded ones no longer there are
    deleted) only with ``clips``. A no-op publish makes two
    requests and takes no lock; otherwise the target's lock is held and the state re-read
    under it. Per-object failures are returned in the report, not raised.

    Example:
        >>> publish(settings, target="s3://media/site").summary
        'Published to s3://media/site/: uploaded 12 (41.3 MB), skipped 3, deleted 0 in 4.2s.'
    """
    if dry_run:   # reads only, and writes nothing (not even the lock file)
        return _publish(settings, shows, target, out, dry_run, prune, progress, storage, clips)
    with project_lock(settings.state_dir, "publish"):
        return _publish(settings, shows, target, out, dry_run, prune, progress, storage, clips)


def _publish(settings: Settings, shows: Iterable[str], target: str | None, out: Path | None, dry_run: bool,
             prune: bool, progress: Progress | None, storage: Storage | None, clips: bool) -> PublishReport:
    started = time.monotonic()
    out_dir = Path(out) if out else settings.out_dir
    if not out_dir.is_dir():
        raise StorageError("nothing to publish: the build directory does not exist; run `media-pub build`",
                           out_dir)
    store = storage or open_target(settings, target)
    shows = tuple(shows)
    local = scan(out_dir, clips)
    if store.is_folder(out_dir):
        # build writes its outputs atomically in the same order, so they are published already.
        keys = tuple(k for k in local if not shows or show_of(k) in (None, *shows))
        if not dry_run:
            _record(settings, store.description, {key: None for key in local})
        return PublishReport(store.description, skipped=keys, in_place=True, dry_run=dry_run,
                             seconds=time.monotonic() - started)
    cache = HashCache(settings.state_dir)
    manifest, remote = read_remote(store, local)
    the_plan = make_plan(local, manifest, remote, shows, cache=cache, clips=clips)
    if dry_run or the_plan.is_noop(prune):
        if not dry_run:
            _record(settings, store.description, {key: entry.sha256 for key, entry in the_plan.verified.items()},
                    cache)
        return _planned(store.description, the_plan, prune, dry_run, time.monotonic() - started)
    with store.lock(default_owner()):
        # Every publish rewrites the manifest: if it is unchanged, so is what we planned against.
        now = Manifest.from_json(store.get(MANIFEST_KEY))
        if now != manifest:
            the_plan = make_plan(local, now, list_remote(store, local), shows, cache=cache, clips=clips)
        # Under the lock no upload of ours is live: what a killed publish left half-sent goes.
        store.abort_stale_uploads({c.key for c in the_plan.uploads} | set(now.objects))
        report, entries = _run(store, local, the_plan, prune, progress, started, cache)
    _record(settings, store.description, {key: entry.sha256 for key, entry in entries.items()}, cache)
    return report


def _record(settings: Settings, target: str, objects: dict[str, str | None], cache: HashCache | None = None) -> None:
    """Remember locally what is published where (read by ``status``); sha256 None: in place."""
    record = PublishedRecord(settings.state_dir)
    record.record(target, objects)
    try:
        record.save()
        if cache:
            cache.save()
    except (OSError, OutputError) as error:   # the publish itself is done; only status loses its hint
        log.warning("could not record the publish in %s: %s", record.file, error)


def _hash_quietly(files: list[LocalFile], cache: HashCache) -> dict[str, str]:
    """Hash at low CPU priority (this thread only, on Linux) so uploads keep their pace."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
    except (AttributeError, OSError):
        pass
    return hash_all(files, 1, cache)


def _ordered(the_plan: UploadPlan) -> list[Change]:
    return sorted(the_plan.uploads, key=lambda change: (phase_of(change.key), change.key))


def _planned(target: str, the_plan: UploadPlan, prune: bool, dry_run: bool, seconds: float) -> PublishReport:
    uploads = _ordered(the_plan)
    actions = [Action("upload", c.key, c.reason, c.file.size) for c in uploads]
    actions += [Action("delete" if prune else "keep", key, "no longer built") for key in the_plan.extra]
    actions += [Action("keep", key, FOREIGN) for key in the_plan.foreign]
    return PublishReport(
        target, uploaded=tuple(c.key for c in uploads), skipped=the_plan.skipped,
        deleted=the_plan.extra if prune else (), kept=() if prune else the_plan.extra, foreign=the_plan.foreign,
        clashes=the_plan.clashes, prune=prune,
        bytes=sum(c.file.size for c in uploads), seconds=seconds, dry_run=dry_run, actions=tuple(actions))


def _run(store: Storage, local: dict[str, LocalFile], the_plan: UploadPlan, prune: bool, progress: Progress | None,
         started: float, cache: HashCache) -> tuple[PublishReport, dict[str, Entry]]:
    uploads = _ordered(the_plan)
    total = sum(c.file.size for c in uploads)
    sent = 0
    guard = threading.Lock()

    def on_bytes(count: int) -> None:
        nonlocal sent
        with guard:
            sent += count
            if progress:
                progress(UPLOAD, sent / total if total else 1.0)

    failures: dict[str, str] = {}
    uploaded: list[str] = []
    with ThreadPoolExecutor(1) as hasher:
        # The manifest needs each uploaded file's sha256; hash while the network works.
        hashed = hasher.submit(_hash_quietly, [c.file for c in uploads], cache)
        for phase in Phase:
            batch = [c for c in uploads if phase_of(c.key) == phase]
            if not batch:
                continue
            if failures:
                break     # never put feeds or the index up over a missing file
            failed = store.upload([Upload(c.key, c.file.path, c.file.size, content_type(c.key),
                                          cache_control(c.key)) for c in batch], on_bytes)
            failures.update(failed)
            uploaded += [c.key for c in batch if c.key not in failed]
        hashes = {**the_plan.hashes, **hashed.result()}

    deletes = the_plan.extra if prune and not failures else ()
    entries = dict(the_plan.verified)
    try:
        after = list_remote(store, local)
        for key in uploaded:
            there = after.get(key)
            if there is not None and there.size == local[key].size:
                entries[key] = Entry(hashes[key], there.size, there.etag)
        for key in (*failures, *deletes):
            entries.pop(key, None)
        store.put_bytes(MANIFEST_KEY, Manifest(entries).to_json(), "application/json", "no-store")
    except StorageError as error:
        failures[MANIFEST_KEY] = f"{error} (the next publish re-checks and re-sends what it cannot verify)"
        deletes = ()
    deleted: tuple[str, ...] = ()
    if deletes:
        failed = store.delete(deletes)
        failures.update(failed)
        deleted = tuple(key for key in deletes if key not in failed)
    return PublishReport(
        store.description, uploaded=tuple(uploaded), skipped=the_plan.skipped, deleted=deleted,
        kept=() if prune else the_plan.extra, foreign=the_plan.foreign, clashes=the_plan.clashes, prune=prune,
        bytes=sum(local[k].size for k in uploaded),
        seconds=time.monotonic() - started,
        failures=tuple(Failure(key, message) for key, message in failures.items()),
        actions=tuple([Action("upload", k, "", local[k].size) for k in uploaded]
                      + [Action("delete", k, "no longer built") for k in deleted])), entries
