"""Warnings about the volunteer's own files, named by file and TOML key.

The feed checks read what was built; these read the project as loaded, for things a feed
cannot show: example values left from ``init`` (placeholders), an episode that would go
live with no show notes, a video whose picture an audio show drops. All are warnings:
``validate`` still passes, but the volunteer sees what to edit, and where.
"""

from __future__ import annotations

from pathlib import Path

from media_pub.checks import Finding, Severity
from media_pub.outputs.notes import notes_text
from media_pub.project.load import Project
from media_pub.project.placeholders import NOT_SET, find_placeholders


def check_sources(project: Project) -> list[Finding]:
    """Findings for the site settings, show files and sidecars of a loaded project."""
    settings = project.settings
    episodes = [episode for show in project.shows for episode in project.episodes[show.slug]]
    findings = []
    for found in find_placeholders(settings, project.shows, [e for e in episodes if not e.draft]):
        what = "the public URL is not set" if found.value == NOT_SET else f"{found.value!r} is an example value"
        findings.append(Finding(
            "project.placeholder", Severity.WARNING, found.key,
            f"{what}: feeds, players and directories cannot use it",
            _placeholder_fix(found.key), _relative(settings.project, found.file)))
    for show in project.shows:
        for episode in project.episodes[show.slug]:
            where = _relative(settings.project, episode.path)
            if not episode.draft and not notes_text(episode.description):
                findings.append(Finding(
                    "episode.notes.empty", Severity.WARNING, "description",
                    "no show notes: the episode goes live with an empty description",
                    'write description = """...""" (Markdown is fine), or set draft = true until it is ready',
                    where))
            if episode.info.is_video and not show.medium.is_video:
                findings.append(Finding(
                    "episode.media.video", Severity.WARNING, "media",
                    f"{episode.media.name} is a video, but {show.slug} is an audio show: "
                    "listeners get the sound only",
                    "keep it (sound only), or add the video to a video show (medium = \"video\")", where))
    return findings


def _placeholder_fix(key: str) -> str:
    if key == "base_url":
        return 'write base_url = "https://..." with the public address the build folder is served at'
    if key.endswith("email"):
        return "write an address someone reads: Apple and Spotify send ownership checks there"
    return "replace it with your own address, or remove the key"


def _relative(root: Path, file: Path | str) -> str:
    if isinstance(file, Path) and file.is_relative_to(root):
        return file.relative_to(root).as_posix()
    return str(file)
