"""Warnings about the volunteer's own files, named by file and TOML key.

The feed checks read what was built; these read the project as loaded, for things a feed
cannot show: example values left from ``init`` (placeholders), an episode that would go
live with no show notes, a video whose picture an audio show drops. All are warnings:
``validate`` still passes, but the volunteer sees what to edit, and where.

``in_volunteer_terms`` rewrites the feed checks' hints about media-pub's own feeds that are
written as XML (``write <itunes:category text=...>``) into the TOML file and key that
wrote the element, so the volunteer is told what to edit rather than what XML a feed
should contain. The finding keeps its feed and element (they are what the rule checked).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from lxml import etree

from media_pub import site
from media_pub.checks import Finding, Severity
from media_pub.model import Episode
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
    if key == "description":
        return "replace the example link in the notes with your own"
    return "replace it with your own address, or remove the key"


def _relative(root: Path, file: Path | str) -> str:
    if isinstance(file, Path) and file.is_relative_to(root):
        return file.relative_to(root).as_posix()
    return str(file)


# Which key of the volunteer's files writes each element of a feed media-pub built, so an
# XML hint can be told as the key to edit. Keyed by the first path segment after
# ``channel/`` or ``item[N]/``, without attributes.
_SHOW_KEYS = {
    "itunes:category": "categories", "itunes:image": "artwork", "image": "artwork",
    "title": "title", "itunes:title": "title", "itunes:author": "author", "itunes:owner": "owner.email",
    "description": "description", "itunes:summary": "description", "link": "link",
    "language": "language", "podcast:guid": "guid", "podcast:medium": "medium", "itunes:type": "type",
    "itunes:explicit": "explicit", "copyright": "copyright",
}
_EPISODE_KEYS = {
    "title": "title", "itunes:title": "title", "description": "description", "itunes:summary": "description",
    "itunes:image": "image", "enclosure": "media", "itunes:duration": "media", "pubDate": "published",
    "itunes:episode": "episode", "itunes:season": "season", "itunes:episodeType": "episode_type",
    "itunes:explicit": "explicit", "guid": "guid", "link": "link",
}
_ELEMENT = re.compile(r"^(?:channel|(?P<item>item\[(?P<number>\d+)\]))/(?P<name>[^/@\[]+)")
_SUBCATEGORY_FIX = re.compile(r'^(?P<quoted>.+) is a subcategory: write <itunes:category text="(?P<parent>[^"]+)">'
                              r'<itunes:category text="(?P<child>[^"]+)"/>')


def in_volunteer_terms(project: Project, findings: Iterable[Finding], out_dir: Path) -> list[Finding]:
    """Findings about feeds built from ``project``, their XML hints told as the show file or
    sidecar and TOML key to edit (``in feeds/x.toml, write "A/B" in categories``).

    Findings on other files and JSON feeds, and hints with no XML, are kept as they are.
    """
    shows = {site.feed_key(show.slug): show for show in project.shows}
    guids: dict[str, list[str]] = {}
    out: list[Finding] = []
    for finding in findings:
        feed = finding.file or ""
        show = shows.get(feed)
        match = _ELEMENT.match(finding.element)
        if show is None or match is None:
            out.append(finding)
            continue
        name = match.group("name")
        source: Path = show.path
        key = _SHOW_KEYS.get(name)
        if match.group("item") is not None:
            if feed not in guids:
                guids[feed] = _item_guids(out_dir / feed)
            episode = _episode(project, show.slug, guids[feed], int(match.group("number")))
            source, key = (episode.path, _EPISODE_KEYS.get(name)) if episode else (show.path, None)
        fix = _toml_fix(finding.fix, key) if key else None
        if fix is None:
            out.append(finding)
            continue
        out.append(replace(finding, fix=f"in {_relative(project.settings.project, source)}, {fix}"))
    return out


def _toml_fix(fix: str, key: str) -> str | None:
    """The fix in TOML terms where the feed check wrote it as XML; None when it has no XML."""
    subcategory = _SUBCATEGORY_FIX.match(fix)
    if subcategory:
        return (f'{subcategory["quoted"]} is a subcategory: write "{subcategory["parent"]}/{subcategory["child"]}" '
                f"in {key}")
    if "<" not in fix:
        return None
    if key == "categories":
        return 'write categories = ["Society & Culture"] with names from Apple\'s list'
    if key in ("artwork", "image"):
        return f'write {key} = "....jpg" (relative to the file): a square JPEG or PNG of 1400-3000 px'
    return f"edit {key}"


def _item_guids(feed: Path) -> list[str]:
    try:
        root = etree.parse(str(feed), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return []
    return [(item.findtext("guid") or "").strip() for item in root.iterfind("channel/item")]


def _episode(project: Project, show: str, guids: list[str], number: int) -> Episode | None:
    if not 1 <= number <= len(guids):
        return None
    return next((e for e in project.episodes[show] if e.guid == guids[number - 1]), None)
