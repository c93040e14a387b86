"""Where output may go: the one rule for publish targets and build directories.

A target is a folder or ``s3://bucket[/prefix]``, nothing else: ``s3:/bucket`` (one
slash), ``s3:bucket``, ``http://...`` or ``gs://...`` once published into local folders
named ``s3:`` and ``http:``. A folder target or build directory that is the project,
contains it, or lies inside ``feeds/``, ``episodes/`` or ``.media-pub/`` would let a
publish or a clean-up reach the volunteer's sources, so it is refused before anything is
written. A folder target inside the build directory would nest deeper on every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from media_pub.errors import ConfigError
from media_pub.model import Settings

# Folders of the project that hold the volunteer's files or media-pub's state.
SOURCE_FOLDERS = ("feeds", "episodes", ".media-pub")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# S3's bucket naming rules (3-63 characters, lower-case letters, digits, dots, hyphens).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
FORM = "a target is a folder or s3://bucket/prefix"

Where = tuple[str | None, str]   # (file, field) for messages: (media-pub.toml, "storage.target") or (None, "--to")


@dataclass(frozen=True)
class Target:
    """A checked target: a bucket and prefix, or an absolute folder."""

    bucket: str | None = None
    prefix: str = ""
    folder: Path | None = None

    @property
    def is_s3(self) -> bool:
        return self.bucket is not None


def parse_target(project: Path, target: str, where: Where = (None, "storage.target")) -> Target:
    """Parse ``target`` by the one rule; a bad one raises ConfigError naming where it was set.

    Example:
        >>> parse_target(Path("/p"), "s3://media/site").prefix
        'site/'
    """
    file, field = where
    text = target.strip()
    if not text:
        raise ConfigError(f"must not be empty; {FORM}", file, field)
    if text.lower().startswith("s3://"):
        parts = urlsplit(text)
        if not _BUCKET.fullmatch(parts.netloc) or parts.query or parts.fragment:
            raise ConfigError(f"{target!r} is not a valid S3 target; {FORM} (bucket names are 3-63 lower-case "
                              "letters, digits, dots and hyphens)", file, field)
        prefix = parts.path.strip("/")
        return Target(bucket=parts.netloc, prefix=f"{prefix}/" if prefix else "")
    if _SCHEME.match(text):
        scheme = text.split(":", 1)[0]
        hint = " (did you mean s3://...?)" if scheme.lower() == "s3" else ""
        raise ConfigError(f"{target!r} looks like a URL but is not s3://bucket/prefix{hint}; {FORM}, "
                          "so it is never taken as a folder name", file, field)
    path = Path(text).expanduser()
    return Target(folder=(path if path.is_absolute() else project / path).resolve())


def check_output_folder(project: Path, folder: Path, where: Where, what: str) -> None:
    """Refuse a build directory or folder target that overlaps the project's sources."""
    file, field = where
    project, folder = project.resolve(), folder.resolve()
    problem = None
    if folder == project:
        problem = "is the project folder itself"
    elif project.is_relative_to(folder):
        problem = f"contains the project folder {project}"
    else:
        for name in SOURCE_FOLDERS:
            if folder.is_relative_to(project / name):
                problem = f"lies inside {name}/ of the project"
                break
    if problem:
        raise ConfigError(f"the {what} {folder} {problem}; media-pub would overwrite or delete your sources "
                          "there. Use a folder of its own, e.g. public", file, field)


def check_places(settings: Settings, out_origin: Where = (None, "out"),
                 target_origin: Where = (None, "storage.target")) -> Target:
    """Check the build directory and the storage target together; return the parsed target."""
    out_dir = settings.out_dir.resolve()
    check_output_folder(settings.project, out_dir, out_origin, "build directory")
    target = parse_target(settings.project, settings.storage.target, target_origin)
    if target.folder is not None:
        check_output_folder(settings.project, target.folder, target_origin, "target")
        if target.folder != out_dir and target.folder.is_relative_to(out_dir):
            raise ConfigError(f"the target {target.folder} lies inside the build directory {out_dir}; "
                              "publishing there would nest a copy of the site deeper on every run",
                              *target_origin)
        if target.folder != out_dir and out_dir.is_relative_to(target.folder):
            raise ConfigError(f"the target {target.folder} contains the build directory {out_dir}; "
                              "give the build and the target folders of their own", *target_origin)
    return target
