"""What a build, a check and a publish did: counts, failures, warnings, summary, exit code.

One report per stage, and one truth per fact: the exit code a report gives is the one the
command exits with, the summary line is the one the command prints, and ``as_json()`` is
the ``--json`` document (SPEC 5.6). Reports are data: nothing here prints, and the CLI only
renders what a report says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from media_pub.checks import Finding, Severity
from media_pub.errors import ExitStatus, MediaPubError
from media_pub.model import BuiltShow


@dataclass(frozen=True)
class Failure:
    """One object that could not be published, and why."""

    key: str
    message: str


@dataclass(frozen=True)
class Action:
    """One change, done or (with dry_run) to be done."""

    kind: Literal["upload", "delete", "keep"]
    key: str
    reason: str
    size: int = 0


@dataclass(frozen=True)
class DeliveredLoudness:
    """How one episode's audio was delivered: what it measures now and how it got there."""

    key: str                    # <show>/<episode>
    lufs: float                 # integrated loudness of the delivered file
    true_peak: float            # dBTP of the delivered file
    method: str                 # linear | dynamic | copy
    encoded: bool               # True: encoded by this build; False: from the cache

    def line(self) -> str:
        return f"{self.key}: {self.lufs:.1f} LUFS, true peak {self.true_peak:.1f} dBTP ({self.method})"


@dataclass(frozen=True)
class BuildWarning:
    """Something the build fixed or worked around that the volunteer may want to change."""

    file: Path       # the TOML file to edit
    field: str       # the key in it
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


@dataclass
class BuildReport:
    """What ``build`` made. Filled in as the build goes (it is the build's accumulator)."""

    shows: list[BuiltShow] = field(default_factory=list)
    encoded: int = 0
    cached: int = 0
    failed: list[tuple[str, MediaPubError]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)   # output keys created or changed
    removed: list[str] = field(default_factory=list)   # stale output keys deleted
    seconds: float = 0.0
    out_dir: Path | None = None
    encoded_keys: list[str] = field(default_factory=list)  # <show>/<episode> encoded by this build
    total_episodes: int = 0     # every episode of the shows built, drafts and scheduled included
    drafts: int = 0             # left out: draft = true
    scheduled: int = 0          # left out: published in the future
    warnings: list[BuildWarning] = field(default_factory=list)   # what delivery fixed, by file and key
    # (show, recording): media in episodes/<show>/ that no sidecar names, so never built
    untracked: list[tuple[str, Path]] = field(default_factory=list)

    @property
    def live_episodes(self) -> int:
        return sum(len(built.episodes) for built in self.shows)

    @property
    def exit_code(self) -> ExitStatus:
        return ExitStatus.PARTIAL if self.failed else ExitStatus.OK

    @property
    def loudness(self) -> tuple[DeliveredLoudness, ...]:
        """The delivered loudness of every built episode that has a measurement."""
        encoded = set(self.encoded_keys)
        rows = []
        for built in self.shows:
            for delivered in built.episodes:
                key = f"{built.show.slug}/{delivered.episode.slug}"
                if delivered.loudness is not None:
                    rows.append(DeliveredLoudness(key, delivered.loudness.integrated, delivered.loudness.true_peak,
                                                  delivered.normalization or "copy", key in encoded))
        return tuple(rows)

    @property
    def summary(self) -> str:
        left_out = [f"{count} {what}" for count, what in ((self.drafts, "draft"), (self.scheduled, "scheduled"))
                    if count]
        left = f" ({', '.join(left_out)} left out)" if left_out else ""
        line = (f"Built {len(self.shows)} show(s): {self.total_episodes} episode(s) in the project, "
                f"{self.live_episodes} live{left}; {self.encoded} encoded, {self.cached} cached, "
                f"{len(self.failed)} failed; {len(self.written)} file(s) written, {len(self.removed)} removed, "
                f"in {self.seconds:.1f}s -> {self.out_dir}")
        if self.failed:
            line += "\nNothing of the previous build was changed, so no feed points at a missing file."
        return line

    def as_json(self) -> dict[str, Any]:
        return {
            "episodes": self.total_episodes,
            "live": self.live_episodes,
            "drafts": self.drafts,
            "scheduled": self.scheduled,
            "encoded": self.encoded,
            "cached": self.cached,
            "failed": [{"episode": key, "error": str(error)} for key, error in self.failed],
            "written": len(self.written),
            "removed": len(self.removed),
            "warnings": [str(w) for w in self.warnings],
            "untracked": [str(path) for _, path in self.untracked],
            "seconds": round(self.seconds, 3),
            "out_dir": str(self.out_dir) if self.out_dir else None,
            "loudness": [{"episode": row.key, "lufs": row.lufs, "true_peak": row.true_peak, "method": row.method,
                          "encoded": row.encoded} for row in self.loudness],
            "exit_code": int(self.exit_code),
        }


@dataclass(frozen=True)
class CheckReport:
    """What ``validate`` (or the publish gate) found in the feeds it checked."""

    findings: tuple[Finding, ...] = ()
    checked: int = 0            # feeds checked

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is not Severity.ERROR)

    @property
    def exit_code(self) -> ExitStatus:
        return ExitStatus.ERROR if self.errors else ExitStatus.OK

    @property
    def summary(self) -> str:
        return f"{self.checked} feed(s) checked: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"

    def as_json(self) -> dict[str, Any]:
        return {"checked": self.checked, "errors": len(self.errors), "warnings": len(self.warnings),
                "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class PublishReport:
    target: str
    uploaded: tuple[str, ...] = ()     # in upload order (with dry_run: would be uploaded)
    skipped: tuple[str, ...] = ()      # unchanged, not sent again
    deleted: tuple[str, ...] = ()      # pruned (with dry_run: would be pruned)
    kept: tuple[str, ...] = ()         # published but no longer built; kept without --prune
    foreign: tuple[str, ...] = ()      # not published by media-pub: never deleted, even with --prune
    prune: bool = False                # --prune was asked for
    clashes: tuple[str, ...] = ()      # built, but another's object holds the key: not uploaded over
    bytes: int = 0
    seconds: float = 0.0
    failures: tuple[Failure, ...] = ()
    dry_run: bool = False
    in_place: bool = False             # the target is the build directory itself
    actions: tuple[Action, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> ExitStatus:
        return ExitStatus.OK if self.ok else ExitStatus.PARTIAL

    @property
    def summary(self) -> str:
        size = _size(self.bytes)
        if self.in_place:
            what = "would replace" if self.dry_run else "replaced"
            line = (f"Published in place: {self.target} is the build directory; {what} {len(self.uploaded)} "
                    f"file(s) ({size}), removed {len(self.deleted)}, {len(self.skipped)} unchanged.")
            return line + (" Dry run: nothing was changed." if self.dry_run else "")
        if self.dry_run:
            line = (f"Dry run for {self.target}: would upload {len(self.uploaded)} ({size}), "
                    f"skip {len(self.skipped)}, delete {len(self.deleted)}; nothing was changed.")
        else:
            line = (f"Published to {self.target}: uploaded {len(self.uploaded)} ({size}), "
                    f"skipped {len(self.skipped)}, deleted {len(self.deleted)} in {self.seconds:.1f}s.")
        if self.kept:
            line += f" {len(self.kept)} published objects are no longer built; --prune deletes them."
        if self.foreign or self.clashes:
            line += f" {len(self.foreign) + len(self.clashes)} object(s) kept (not published by media-pub)."
        if self.failures:
            line += (f" {len(self.failures)} failed; the previous feeds and embed index were left in place. "
                     "Run publish again to finish.")
        return line

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target, "dry_run": self.dry_run, "in_place": self.in_place,
            "uploaded": len(self.uploaded), "skipped": len(self.skipped), "deleted": len(self.deleted),
            "kept": len(self.kept), "bytes": self.bytes, "seconds": round(self.seconds, 3),
            "failures": [{"key": f.key, "message": f.message} for f in self.failures],
            "actions": [{"kind": a.kind, "key": a.key, "reason": a.reason, "size": a.size} for a in self.actions],
            "exit_code": int(self.exit_code),
        }


@dataclass(frozen=True)
class FeedLink:
    """A show's public feed: the URL to give Apple Podcasts Connect and Spotify for Creators."""

    show: str
    title: str
    url: str


#: Where a new show's feed URL is submitted, once (each directory then re-reads the feed).
DIRECTORIES = (
    ("Apple Podcasts Connect", "https://podcastsconnect.apple.com/"),
    ("Spotify for Creators", "https://creators.spotify.com/"),
)


@dataclass(frozen=True)
class ReleaseReport:
    """build -> gate -> publish, as ``media_pub.release.publish`` ran it."""

    build: BuildReport | None = None
    check: CheckReport | None = None
    publish: PublishReport | None = None
    forced: bool = False                    # the gate found errors and force uploaded anyway
    feeds: tuple[FeedLink, ...] = ()        # the published shows' public feeds (a real target only)
    new_feeds: tuple[FeedLink, ...] = ()    # of those, the ones published for the first time
    hub_problems: tuple[str, ...] = ()      # WebSub hubs that could not be notified (a warning)

    @property
    def exit_code(self) -> ExitStatus:
        for stage in (self.build, self.check if not self.forced else None, self.publish):
            if stage is not None and stage.exit_code:
                return stage.exit_code
        return ExitStatus.OK

    @property
    def warnings(self) -> tuple[str, ...]:
        found = [str(w) for w in self.build.warnings] if self.build else []
        if self.check:
            found += [f.line() for f in (self.check.findings if self.forced else self.check.warnings)]
        return (*found, *self.hub_problems)

    def as_json(self) -> dict[str, Any]:
        build, publish = self.build, self.publish
        return {
            "episodes": build.total_episodes if build else 0,
            "encoded": build.encoded if build else 0,
            "cached": build.cached if build else 0,
            "written": len(build.written) if build else 0,
            "uploaded": len(publish.uploaded) if publish else 0,
            "skipped": len(publish.skipped) if publish else 0,
            "deleted": len(publish.deleted) if publish else 0,
            "warnings": list(self.warnings),
            "forced": self.forced,
            "feeds": [{"show": f.show, "title": f.title, "url": f.url} for f in self.feeds],
            "build": build.as_json() if build else None,
            "check": self.check.as_json() if self.check else None,
            "publish": publish.as_json() if publish else None,
            "exit_code": int(self.exit_code),
        }


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError


__all__: Sequence[str] = ("DIRECTORIES", "Action", "BuildReport", "CheckReport", "DeliveredLoudness", "Failure",
                          "FeedLink", "PublishReport", "ReleaseReport")
