"""Check podcast feeds against what Apple Podcasts, Spotify and Podcasting 2.0 accept.

Every rule has a stable id (``apple.category``, ``rss.enclosure.length``...). Values a
directory rejects are errors; values that are allowed but unwise are warnings (the split
python-podgen makes in podgen/warnings.py). This package holds the gate (what a build's
feeds must pass before publish); the rules are in rss.py, json_feed.py and artwork.py,
the tables they read in tables.py. Rules and their sources: STANDARDS.md sections 1-3, 6, 8.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from media_pub import site
from media_pub.checks.artwork import artwork_problems
from media_pub.checks.finding import Finding, Severity
from media_pub.checks.json_feed import validate_json_feed
from media_pub.checks.rss import (
    media_facts,
    parse_duration,
    rfc2822_problem,
    validate_feed,
)
from media_pub.errors import FeedError
from media_pub.fsutil import TEXT_LIMIT, read_bounded
from media_pub.state import ProbeCache
from media_pub.model import Settings
from media_pub.outputs.ids import podcast_guid

__all__ = ["Finding", "Severity", "artwork_problems", "check_build", "delivery_findings", "gate_publish", "has_errors",
           "media_facts", "parse_duration", "podcast_guid", "rfc2822_problem", "validate_feed",
           "validate_json_feed", "validate_outputs", "validate_path"]


def validate_path(path: Path, *, build_dir: Path | None = None, base_url: str | None = None,
                  fetch_images: bool = False, probe_cache: ProbeCache | None = None,
                  readiness: bool = False) -> list[Finding]:
    """Validate an RSS feed or a JSON Feed file, chosen by content (``{`` first: JSON).

    ``readiness``: also warn where directories would show the feed worse (readiness.py).
    """
    data = read_bounded(path, TEXT_LIMIT, error=FeedError)   # regular files only: no FIFO, no /dev/zero
    if data.lstrip()[:1] == b"{":
        return validate_json_feed(data, build_dir=build_dir, base_url=base_url)
    return validate_feed(data, build_dir=build_dir, base_url=base_url, fetch_images=fetch_images,
                         probe_cache=probe_cache, readiness=readiness)


def check_build(settings: Settings, build_dir: Path | None = None, shows: Iterable[str] = ()) -> list[Finding]:
    """Validate the feeds (``feeds/*.xml`` and ``feeds/*.json``) in the build directory.

    Only those of ``shows`` when given. Each finding names its feed (``file`` = key under
    the build root). ``publish`` must refuse to upload when any is an error (see gate_publish).
    """
    root = build_dir or settings.out_dir
    wanted = set(shows)
    keys = [path.relative_to(root).as_posix() for path in sorted((root / site.FEEDS).glob("*"))
            if path.suffix in (".xml", ".json") and path.is_file() and (not wanted or path.stem in wanted)]
    return validate_outputs(settings, keys, root)


def gate_publish(settings: Settings, shows: Iterable[str] = (), *, force: bool = False,
                 build_dir: Path | None = None) -> list[Finding]:
    """Check the built feeds before upload: raise FeedError on any error unless ``force``.

    Returns every finding (warnings, and errors when forced) for the caller to print.
    The error names the first failing feed and rule; nothing has been uploaded then.
    """
    findings = check_build(settings, build_dir, shows)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors and not force:
        first = errors[0]
        raise FeedError(f"{len(errors)} validation error(s), first {first.rule} {first.element}: {first.message}; "
                        "nothing was uploaded (run `media-pub validate` to see all, fix them, or publish --force)",
                        (build_dir or settings.out_dir) / (first.file or site.FEEDS))
    return findings


def validate_outputs(settings: Settings, keys: Iterable[str], build_dir: Path | None = None,
                     fetch_images: bool = False, readiness: bool = False) -> list[Finding]:
    """Validate the feeds at these keys of the build directory; findings name their key.

    ``readiness`` adds the directory-readiness warnings (``validate`` shows them; the
    publish gate leaves them out, as they never block and publish is not the time to read them).
    """
    root = build_dir or settings.out_dir
    # Published media rarely changes: read each file's facts once, then by size and mtime.
    probes = ProbeCache(settings.state_dir)
    findings: list[Finding] = []
    for key in keys:
        path = root / key
        if not path.is_file():
            findings.append(Finding("local.missing", Severity.ERROR, "feed", "the feed was not built",
                                    "build it", key))
            continue
        findings += [_with_file(f, key) for f in validate_path(path, build_dir=root, base_url=settings.base_url,
                                                                fetch_images=fetch_images, probe_cache=probes,
                                                                readiness=readiness)]
    probes.save()
    return findings


class Located(Protocol):
    """A message about a key in a project file (build.BuildWarning)."""

    @property
    def file(self) -> Path: ...
    @property
    def field(self) -> str: ...
    @property
    def message(self) -> str: ...


def delivery_findings(project: Path, warnings: Iterable[Located]) -> list[Finding]:
    """What the build fixed while delivering (artwork scaled, converted...), as warnings that
    name the TOML file and key the volunteer would change, not a generated element."""
    findings = []
    for warning in warnings:
        file = warning.file
        where = file.relative_to(project).as_posix() if file.is_relative_to(project) else str(file)
        findings.append(Finding("delivery.fixed", Severity.WARNING, warning.field, warning.message,
                                f"nothing is needed to publish; to silence this, fix the file {warning.field} "
                                "names", where))
    return findings


def _with_file(finding: Finding, file: str) -> Finding:
    return Finding(finding.rule, finding.severity, finding.element, finding.message, finding.fix, file)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)

