"""The release policy: build -> refuse a failed build -> validation gate -> publish.

This is the one place the order lives, so a library caller gets exactly what the command
does::

    import media_pub
    from media_pub import config
    report = media_pub.release.publish(config.load(Path("."), os.environ), target="s3://bucket/site")

Staging. When the build directory is also the publish target (the default ``public/``),
the build directory *is* the live site, so building into it in place would change the site
before anything was checked. Instead the build goes into a staging copy (hard links of the
live files, so it costs no copying of media), the gate checks the staged feeds, and only
then the staged tree is swapped into place in one rename. A failed build, a refused gate,
an error or Ctrl-C discard the staging copy and put media-pub's state back as it was:
nothing of the live build changes. ``dry_run`` plans from a real build of the current
sources (staged the same way when the build directory is the target, otherwise in the
build directory, which is not live) and uploads, deletes and publishes nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from media_pub import build as build_module
from media_pub import publish as publish_module
from media_pub.locks import project_lock
from media_pub.websub import notify_hubs
from media_pub.checks.sources import check_sources, in_volunteer_terms
from media_pub.checks import Finding, delivery_findings, gate_publish, has_errors, validate_outputs, validate_path
from media_pub.checks.locate import in_project_terms
from media_pub.errors import BuildFailedError, FeedError
from media_pub.model import BuiltShow, Settings, Show
from media_pub.plan import scan
from media_pub.progress import Progress
from media_pub.project.load import load_project
from media_pub.project.placeholders import base_url_placeholder, refuse_for_real_target
from media_pub import site
from media_pub.site import phase_of
from media_pub.state import AnnouncedFeeds
from media_pub.report import Action, BuildReport, CheckReport, FeedLink, PublishReport, ReleaseReport
from media_pub.storage import Storage, open_target

_STAGING_PREFIX = "staging-"


# --- staging -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Staging:
    """A private copy of the live build directory that a build may change freely."""

    live: Path           # the build directory that is being served / is the target
    path: Path           # the copy a build writes into


def is_in_place(settings: Settings, store: Storage | None = None) -> bool:
    """True when the build directory is itself the publish target (the default ``public/``)."""
    store = store or open_target(settings)
    return store.is_folder(settings.out_dir)


def _staging_parent(settings: Settings, live: Path) -> Path:
    """Beside the live folder's parent device: the swap must be a rename, never a copy."""
    parent = live.parent
    parent.mkdir(parents=True, exist_ok=True)
    state = settings.state_dir
    state.mkdir(parents=True, exist_ok=True)
    if os.stat(state).st_dev == os.stat(parent).st_dev:
        return state
    return parent


def _clean_abandoned(folder: Path) -> None:
    """Remove staging copies left by a media-pub process that died (its PID is gone)."""
    for entry in folder.glob(f".{_STAGING_PREFIX}*") if folder.is_dir() else ():
        try:
            pid = int(entry.name.rsplit("-", 1)[1])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue


def _clone(live: Path, copy: Path) -> None:
    """Copy a tree as hard links (a real copy where links are refused): no media bytes are
    copied, and it is safe because a build replaces files (temp file + rename) and never
    writes into one. Cost: one link per file (benchmarks/staging.py)."""
    copy.mkdir()
    if not live.is_dir():
        return
    folders = [(str(live), str(copy))]
    while folders:
        source, target = folders.pop()
        with os.scandir(source) as entries:     # DirEntry caches the type: no stat per file
            for entry in entries:
                there = os.path.join(target, entry.name)
                if entry.is_symlink():
                    os.symlink(os.readlink(entry.path), there)
                elif entry.is_dir():
                    os.mkdir(there)
                    folders.append((entry.path, there))
                else:
                    try:
                        os.link(entry.path, there)
                    except OSError:
                        shutil.copy2(entry.path, there)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return bool(renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0)


def _swap_in(staging: Staging) -> None:
    """Put the staged tree in the live folder's place, then drop the old tree."""
    live, path = staging.live, staging.path
    if not live.exists():
        os.rename(path, live)
        return
    if not _exchange(path, live):
        old = path.with_name(path.name + "-old")
        os.rename(live, old)
        os.rename(path, live)
        path = old
    shutil.rmtree(path, ignore_errors=True)


# The content-addressed caches (encodes, artwork, transcripts): entries are never wrong, only
# unused, and reading them all to put back would cost a copy of every image and transcript.
_NOT_STATE = ("cache", "art", "transcripts")


def _state_files(settings: Settings) -> dict[Path, bytes]:
    """media-pub's state files (not the encode cache, not locks, not staging copies), to put
    back when a staging build is discarded."""
    folder = settings.state_dir
    found: dict[Path, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        if here == folder:
            dirnames[:] = [d for d in dirnames if d not in _NOT_STATE and not d.startswith(f".{_STAGING_PREFIX}")]
        for name in filenames:
            entry = here / name
            if "lock" not in name and entry.is_file() and not entry.is_symlink():
                found[entry] = entry.read_bytes()
    return found


def _restore_state(settings: Settings, saved: dict[Path, bytes]) -> None:
    """The state describes the live build: a discarded staging build must not be recorded."""
    for entry in _state_files(settings):
        if entry not in saved:
            entry.unlink(missing_ok=True)
    for entry, data in saved.items():
        try:
            if entry.read_bytes() == data:
                continue
        except OSError:
            pass
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.restore")
        tmp.write_bytes(data)
        os.replace(tmp, entry)


@contextmanager
def staged(settings: Settings) -> Iterator[Staging]:
    """A staging copy of the build directory; swapped in only by :func:`commit`.

    Leaving the block without ``commit`` (an error, Ctrl-C, a refused gate, a dry run)
    deletes the copy and restores media-pub's state files, so nothing live changed.
    """
    live = settings.out_dir.resolve()
    parent = _staging_parent(settings, live)
    _clean_abandoned(parent)
    saved = _state_files(settings)
    staging = Staging(live, parent / f".{_STAGING_PREFIX}{live.name}-{os.getpid()}")
    if staging.path.exists():
        shutil.rmtree(staging.path)
    _clone(live, staging.path)
    try:
        yield staging
    finally:
        if staging.path.exists():   # not committed
            shutil.rmtree(staging.path, ignore_errors=True)
            _restore_state(settings, saved)


def commit(staging: Staging) -> None:
    """Swap the staged build into the live folder's place."""
    _swap_in(staging)


# --- build ---------------------------------------------------------------------------------

def build(settings: Settings, shows: Iterable[str] = (), *, jobs: int | None = None,
          progress: Progress | None = None, now: datetime | None = None) -> BuildReport:
    """Build into the build directory; when it is the live target, only a whole build lands.

    A build with a failed episode leaves the live folder exactly as it was (exit code 3 in
    the report); otherwise the new build replaces it in one rename.

    Example:
        >>> build(config.load(Path("."), os.environ)).exit_code
        <ExitStatus.OK: 0>
    """
    if not is_in_place(settings):
        return build_module.build(settings, shows, jobs=jobs, progress=progress, now=now)
    with staged(settings) as staging:
        report = build_module.build(settings, shows, out=staging.path, jobs=jobs, progress=progress, now=now,
                                    stands_for=staging.live)
        if not report.failed:
            commit(staging)
    return report


def _require_built(report: BuildReport) -> None:
    if report.failed:
        raise BuildFailedError(report.failed)


# --- check -----------------------------------------------------------------------------------

def check(settings: Settings, targets: Iterable[str] = (), *, fetch_images: bool = False,
          progress: Progress | None = None, now: datetime | None = None) -> CheckReport:
    """Validate shows (built first; unchanged episodes come from the cache) and feed files.

    A target that is an existing file is a feed file (RSS or JSON Feed); anything else is a
    show name. With no targets every show is built and checked. A failed build raises
    :class:`BuildFailedError`: its feeds are not checked.

    Example:
        >>> check(settings, ["locked-up-living"]).exit_code
        <ExitStatus.OK: 0>
    """
    targets = tuple(targets)
    files = [Path(t) for t in targets if Path(t).is_file()]
    shows = [t for t in targets if not Path(t).is_file()]
    for name in shows:
        if "/" in name or name.endswith((".xml", ".json", ".rss")):
            raise FeedError("no such feed file (and not a show name)", name)
    findings: list[Finding] = []
    checked = 0
    if shows or not files:
        built = build(settings, shows, progress=progress, now=now)
        _require_built(built)
        keys = [key for shown in built.shows for key in (shown.show.feed_key, shown.show.json_feed_key)]
        project = load_project(settings, shows)
        built_in = built.out_dir or settings.out_dir
        findings += check_sources(project)   # the files to edit, first
        findings += delivery_findings(settings.project, built.warnings)
        found = validate_outputs(settings, keys, built_in, fetch_images=fetch_images, readiness=True)
        # Each finding names the TOML file and key to edit (in_project_terms), and any hint
        # still written as XML is told in TOML (in_volunteer_terms).
        findings += in_volunteer_terms(project, in_project_terms(found, built.shows, settings.project), built_in)
        checked += len(keys)
    out_dir = settings.out_dir.resolve()
    for path in files:
        inside = path.resolve().is_relative_to(out_dir)
        found = validate_path(path, build_dir=out_dir if inside else None,
                              base_url=settings.base_url if inside else None, fetch_images=fetch_images,
                              readiness=True)
        findings += [replace(f, file=str(path)) for f in found]
        checked += 1
    return CheckReport(tuple(findings), checked)


def _gate(settings: Settings, shows: tuple[str, ...], build_dir: Path, live: Path, force: bool) -> CheckReport:
    """The validation gate on the feeds just built; errors name the live file, not the staging copy."""
    try:
        findings = gate_publish(settings, shows, force=force, build_dir=build_dir)
    except FeedError as error:
        if error.file and build_dir != live and Path(error.file).is_relative_to(build_dir):
            raise FeedError(error.message, live / Path(error.file).relative_to(build_dir), error.field) from None
        raise
    folder = build_dir / site.FEEDS
    feeds = len([p for p in folder.glob("*") if p.suffix in (".xml", ".json")
                 and (not shows or p.stem in shows)]) if folder.is_dir() else 0
    return CheckReport(tuple(findings), feeds)


# --- publish ---------------------------------------------------------------------------------

def publish(settings: Settings, shows: Iterable[str] = (), *, target: str | None = None, force: bool = False,
            dry_run: bool = False, prune: bool = False, jobs: int | None = None,
            build_progress: Progress | None = None, upload_progress: Progress | None = None,
            storage: Storage | None = None, now: datetime | None = None, clips: bool = False) -> ReleaseReport:
    """Build, refuse a failed build, gate on validation, then publish (or, dry, plan only).

    Raises :class:`BuildFailedError` when an episode fails to build and ``FeedError`` when
    a feed fails validation (unless ``force``); in both cases nothing was uploaded and the
    live build is unchanged. Per-object upload failures are in the report (exit code 3).
    ``clips`` also uploads the clips of ``media-pub clip`` (publish.publish).

    Example:
        >>> report = publish(settings, target="s3://media/site", dry_run=True)
        >>> report.publish.uploaded   # site.py's keys: the media first, the feeds after
    """
    shows = tuple(shows)
    if target:
        settings = replace(settings, storage=replace(settings.storage, target=target))
    if dry_run:   # reads only: no lock file either
        return _release(settings, shows, target, force, dry_run, prune, jobs, build_progress, upload_progress,
                        storage, now, clips)
    with project_lock(settings.state_dir, "publish"):   # build, gate and upload as one step
        return _release(settings, shows, target, force, dry_run, prune, jobs, build_progress, upload_progress,
                        storage, now, clips)


def _release(settings: Settings, shows: tuple[str, ...], target: str | None, force: bool, dry_run: bool,
             prune: bool, jobs: int | None, build_progress: Progress | None,
             upload_progress: Progress | None, storage: Storage | None,
             now: datetime | None, clips: bool) -> ReleaseReport:
    refuse_for_real_target(settings, shows)   # example values never go live: before any build
    store = storage or open_target(settings, target)
    live = settings.out_dir.resolve()
    if is_in_place(settings, store):
        return _publish_in_place(settings, shows, store, force=force, dry_run=dry_run, jobs=jobs,
                                 progress=build_progress, now=now)
    built = build_module.build(settings, shows, jobs=jobs, progress=build_progress, now=now)
    _require_built(built)
    checked = _gate(settings, shows, live, live, force)
    report = publish_module.publish(settings, shows, target=target, dry_run=dry_run, prune=prune,
                                    progress=upload_progress, storage=store, clips=clips)
    released = _released(settings, built, checked, report)
    if dry_run or not report.ok:
        return released
    # After the feeds are up: tell each show's WebSub hub (SPEC 5.3); a failure only warns.
    problems = tuple(f"Warning: WebSub hub {note.hub} was not notified: {note.problem}; the feeds are "
                     "published and apps that poll will still find them"
                     for note in notify_hubs(settings, built.shows, report.uploaded) if note.problem)
    return replace(released, hub_problems=problems)


def _publish_in_place(settings: Settings, shows: tuple[str, ...], store: Storage, *, force: bool, dry_run: bool,
                      jobs: int | None, progress: Progress | None, now: datetime | None) -> ReleaseReport:
    with staged(settings) as staging:
        built = build_module.build(settings, shows, out=staging.path, jobs=jobs, progress=progress, now=now,
                                   stands_for=staging.live)
        _require_built(built)
        checked = _gate(settings, shows, staging.path, staging.live, force)
        report = _in_place_report(store.description, staging, dry_run)
        if not dry_run:
            commit(staging)
            publish_module.publish(settings, shows, storage=store)    # records what is live, for status
    return _released(settings, built, checked, report)


def _in_place_report(target: str, staging: Staging, dry_run: bool) -> PublishReport:
    """What swapping the staged build in changes: files whose inode is not the live file's
    (the staging copy hard-links every file the build left alone), and files that went."""
    staged_files, live_files = scan(staging.path), scan(staging.live)
    changed: list[tuple[str, str]] = []
    for key, local in staged_files.items():
        before = live_files.get(key)
        if before is None:
            changed.append((key, "new"))
        elif not os.path.samestat(os.stat(local.path), os.stat(before.path)):
            changed.append((key, "changed"))
    changed.sort(key=lambda item: (phase_of(item[0]), item[0]))
    changed_keys = {key for key, _ in changed}
    gone = tuple(key for key in live_files if key not in staged_files)
    actions = [Action("upload", key, reason, staged_files[key].size) for key, reason in changed]
    actions += [Action("delete", key, "no longer built") for key in gone]
    return PublishReport(target, uploaded=tuple(key for key, _ in changed),
                         skipped=tuple(k for k in staged_files if k not in changed_keys), deleted=gone,
                         bytes=sum(staged_files[k].size for k in changed_keys), dry_run=dry_run, in_place=True,
                         actions=tuple(actions))


def _released(settings: Settings, built: BuildReport, checked: CheckReport, report: PublishReport) -> ReleaseReport:
    """The stages' reports, plus the feed URLs to submit once the site is really public."""
    feeds: tuple[FeedLink, ...] = ()
    new: tuple[FeedLink, ...] = ()
    if not report.dry_run and report.ok and is_public(settings):
        feeds = feed_links(settings, built.shows)
        new = _first_announced(settings, feeds)
    return ReleaseReport(build=built, check=checked, publish=report, forced=has_errors(checked.findings),
                         feeds=feeds, new_feeds=new)


def feed_links(settings: Settings, shows: Iterable[BuiltShow | Show]) -> tuple[FeedLink, ...]:
    """Each show's public feed URL (what ``status`` and a publish show the volunteer)."""
    return tuple(FeedLink(show.slug, show.title, settings.url(show.feed_key))
                 for show in (s.show if isinstance(s, BuiltShow) else s for s in shows))


def _first_announced(settings: Settings, feeds: tuple[FeedLink, ...]) -> tuple[FeedLink, ...]:
    record = AnnouncedFeeds(settings.state_dir)
    new = set(record.first_time(f.url for f in feeds))
    record.save()
    return tuple(f for f in feeds if f.url in new)


def is_public(settings: Settings) -> bool:
    """True when ``base_url`` is set to an address a directory can fetch (not a placeholder)."""
    return base_url_placeholder(settings) is None


__all__ = ["Staging", "build", "check", "commit", "feed_links", "is_in_place", "is_public", "publish", "staged"]
