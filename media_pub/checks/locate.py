"""Findings in the volunteer's terms: the TOML file and key to change, not the feed element.

The feed checks speak RSS (``item[2]/itunes:image``), because they check any feed. For a
project's own feeds, ``validate`` turns each finding round to where it came from: the
show file or the episode sidecar (items are in the built show's episode order), the key
in it, and a fix written as TOML. The feed element stays in ``Finding.feed`` (and the
JSON output) for anyone who reads the XML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from media_pub.checks.finding import Finding
from media_pub.checks.tables import APPLE_CATEGORIES
from media_pub.model import BuiltShow
from media_pub.project.load import ARTWORK_DIR

# RSS element (first step below channel or item) -> TOML key.
CHANNEL_KEYS = {
    "title": "title", "description": "description", "itunes:summary": "description", "link": "link",
    "language": "language", "itunes:category": "categories", "itunes:explicit": "explicit",
    "itunes:owner": "owner", "itunes:image": "artwork", "image": "artwork", "itunes:author": "author",
    "itunes:type": "type", "podcast:guid": "guid", "podcast:medium": "medium", "podcast:locked": "locked",
    "podcast:person": "persons", "podcast:funding": "funding", "podcast:license": "license",
    "itunes:complete": "complete", "itunes:block": "block", "itunes:new-feed-url": "new_feed_url",
    "podcast:txt": "txt", "podcast:updateFrequency": "update_frequency", "copyright": "copyright",
    # JSON Feed top level
    "home_page_url": "link", "authors": "author", "icon": "artwork",
}
ITEM_KEYS = {
    "title": "title", "description": "description", "content:encoded": "description", "itunes:summary": "description",
    "itunes:image": "image", "enclosure": "media", "itunes:duration": "media", "pubDate": "published",
    "itunes:episode": "episode", "podcast:episode": "episode", "itunes:season": "season",
    "podcast:season": "season", "itunes:episodeType": "episode_type", "itunes:explicit": "explicit",
    "podcast:transcript": "transcript", "podcast:chapters": "chapters", "podcast:person": "persons",
    "guid": "guid", "link": "link",
    # JSON Feed items
    "id": "guid", "content_html": "description", "content_text": "description", "summary": "description",
    "date_published": "published", "date_modified": "published", "attachments": "media", "image": "image",
    "url": "link",
}
# Fixes in TOML for the rules whose feed-terms fix shows XML.
TOML_FIXES = {
    "apple.explicit": "write explicit = false (or true)",
    "apple.owner.email": 'write owner = { name = "...", email = "..." } with an address someone reads',
    "apple.language": 'write language = "en-GB" (an ISO 639 code, optionally with a region)',
    "apple.image": f'write artwork = "{ARTWORK_DIR}/<show>.jpg": a square JPEG or PNG, 3000 px',
    "apple.author": 'write author = "..." with the person, group or network behind the show',
    "apple.serial.episode": "write episode = N (a serial show numbers every full episode)",
    "apple.episode": "write episode = 1, 2, 3...",
    "apple.season": "write season = 1, 2, 3...",
    "apple.episode_type": 'write episode_type = "full", "trailer" or "bonus"',
    "apple.type": 'write type = "episodic" or "serial"',
    "rss.item.title": 'write title = "..." (without the episode number or the show name)',
    "apple.block": "remove block = true to list the show",
}
_STEP = re.compile(r"^(channel|item\[(\d+)\]|items\[(\d+)\])?(?:[/.]?)([A-Za-z_:-]+)?")
_QUOTED = re.compile(r"^'(.+?)'")


def in_project_terms(findings: Iterable[Finding], shows: Iterable[BuiltShow], project: Path) -> list[Finding]:
    """Each finding on a built show's feed, re-pointed at the TOML file and key it comes from."""
    by_feed = {key: built for built in shows for key in (built.show.feed_key, built.show.json_feed_key)}
    out = []
    for finding in findings:
        built = by_feed.get(finding.file or "")
        located = _locate(finding, built, project) if built else None
        out.append(located or finding)
    return out


def _locate(finding: Finding, built: BuiltShow, project: Path) -> Finding | None:
    match = _STEP.match(finding.element)
    if not match:
        return None
    scope, rss_item, json_item, tag = match.groups()
    number = rss_item or json_item
    if number is not None:
        index = int(number) - 1
        if not 0 <= index < len(built.episodes):
            return None
        file, key = built.episodes[index].episode.path, ITEM_KEYS.get(tag or "")
    else:
        if scope is None and tag in ("rss", "feed"):
            return None
        file, key = built.show.path, CHANNEL_KEYS.get(tag or "")
    if key is None:
        return None
    fix = finding.fix
    if finding.rule == "apple.category":
        fix = _category_fix(finding.message)
    elif "<" in fix:
        fix = TOML_FIXES.get(finding.rule, f"change {key}")
    where = file.relative_to(project).as_posix() if file.is_relative_to(project) else str(file)
    return replace(finding, file=where, element=key, fix=fix, feed=f"{finding.file}:{finding.element}")


def _category_fix(message: str) -> str:
    quoted = _QUOTED.match(message)
    name = quoted.group(1) if quoted else ""
    parents = {sub: top for top, subs in APPLE_CATEGORIES.items() for sub in subs}
    if name in parents:
        return f'write "{parents[name]}/{name}" in categories (a subcategory is written Top/Sub)'
    for top in APPLE_CATEGORIES:
        if top.lower() in (name.lower(), name.replace(" and ", " & ").lower()):
            return f'write it exactly as "{top}" in categories (case and & matter)'
    return "use Apple's names in categories, e.g. \"Society & Culture\" or \"Health & Fitness/Mental Health\""
