"""The library's own exceptions: every failure a user can cause names its file and field."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    """Exit codes of the command-line tool."""

    OK = 0
    ERROR = 1          # bad input or a failed step; the message says which
    USAGE = 2          # Click's own code for bad options
    PARTIAL = 3        # some items failed, the rest were done
    INTERRUPTED = 130  # Ctrl-C


class MediaPubError(Exception):
    """A failure the user can act on: ``file: field: message``.

    ``file`` is the file at fault (a sidecar, show file, media file or feed),
    ``field`` the key or element inside it, when there is one.
    """

    exit_status = ExitStatus.ERROR

    def __init__(self, message: str, file: str | Path | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.field = field

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class ConfigError(MediaPubError):
    """A project file (media-pub.toml, a show or a sidecar) is invalid."""


class MediaError(MediaPubError):
    """A media or image file cannot be read or is not what it claims to be."""


class EncodeError(MediaPubError):
    """ffmpeg failed, or the delivered file missed its targets."""


class FeedError(MediaPubError):
    """A feed could not be written, or failed validation."""


class OutputError(MediaPubError):
    """A file of the build directory or media-pub's state could not be written (e.g. disk full)."""


class StorageError(MediaPubError):
    """An upload, listing or local write to the storage target failed."""


class LockedError(MediaPubError):
    """Another media-pub command holds the project's or the target's lock."""


class FatalError(MediaPubError):
    """Nothing can go on: ffmpeg missing, disk full, no credentials."""


class BuildFailedError(MediaPubError):
    """Some episodes failed to build, so nothing was published (each failure names its file)."""

    exit_status = ExitStatus.PARTIAL

    def __init__(self, failures: Sequence[tuple[str, MediaPubError]]):
        super().__init__(f"{len(failures)} episode(s) failed to build, so nothing was published "
                         "and the previous build was left as it was")
        self.failures = tuple(failures)
