"""Placeholders: values that only stand in for the volunteer's own, and must never go live.

``init`` writes example values (``https://media.example.org/``, ``podcast@example.org``)
so that a new project builds at once. Hosts that RFC 2606 and RFC 6761 reserve for
examples and tests (``example.com/.net/.org``, ``*.example``, ``*.test``, ``*.invalid``,
``localhost``) and loopback addresses can never be where listeners fetch a feed, so a
URL or email address on one of them is "not configured":

- ``build`` does not write the show's ``podcast:guid`` (the UUIDv5 of its feed URL) back
  while the feed URL is a placeholder: a guid made from an example URL would be wrong
  for good;
- ``validate`` names each placeholder with its file and key;
- ``publish`` to a real target (a bucket away from this machine) refuses them.

A local folder, or a bucket served on this machine (MinIO or a test server on
127.0.0.1), is a rehearsal: placeholders are fine there.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from media_pub.errors import ConfigError
from media_pub.model import Chapter, Episode, Person, Settings, Show, StorageSettings
from media_pub.project.load import load_project

# RFC 2606 section 3 (second-level) and section 2 with RFC 6761 (top-level names).
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
CONFIG_FILE = "media-pub.toml"
BASE_URL_ENV = "MEDIA_PUB_BASE_URL"
NOT_SET = "(not set)"   # Placeholder.value of a base_url left at the local preview default
_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>)\]]+")


@dataclass(frozen=True)
class Placeholder:
    """One stand-in value still in a project file: where it is, and what it is."""

    file: Path | str      # the TOML file (or the environment variable that set it)
    key: str              # the TOML key, e.g. ``owner.email``
    value: str


def is_placeholder_host(host: str) -> bool:
    """True for hosts reserved for examples, tests and this machine.

    Example:
        >>> [is_placeholder_host(h) for h in ("media.example.org", "pods.test", "cdn.ourcharity.org")]
        [True, True, False]
    """
    host = host.lower().rstrip(".")
    if not host or _is_this_machine(host) or host.rsplit(".", 1)[-1] in RESERVED_TLDS:
        return True
    return any(host == domain or host.endswith("." + domain) for domain in EXAMPLE_DOMAINS)


def _is_this_machine(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_placeholder_url(url: str) -> bool:
    try:
        return is_placeholder_host(urlsplit(url).hostname or "")
    except ValueError:
        return False


def is_placeholder_email(email: str) -> bool:
    return is_placeholder_host(email.rpartition("@")[2])


def base_url_placeholder(settings: Settings) -> Placeholder | None:
    """The site's ``base_url`` when it is unset (the local preview URL) or a placeholder."""
    if settings.base_url_configured and not is_placeholder_url(settings.base_url):
        return None
    where: Path | str = settings.project / CONFIG_FILE
    if BASE_URL_ENV in settings.sources:
        where = f"{BASE_URL_ENV} (environment)"
    value = settings.base_url if settings.base_url_configured else NOT_SET
    return Placeholder(where, "base_url", value)


def find_placeholders(settings: Settings, shows: Iterable[Show] = (),
                      episodes: Iterable[Episode] = ()) -> list[Placeholder]:
    """Every placeholder in the site settings, the show files and the sidecars given."""
    found: list[Placeholder] = []
    site = base_url_placeholder(settings)
    if site is not None:
        found.append(site)
    for show in shows:
        if show.owner is not None and is_placeholder_email(show.owner.email):
            found.append(Placeholder(show.path, "owner.email", show.owner.email))
        found += _links(show.path, show.link, show.persons, (), show.description)
    for episode in episodes:
        found += _links(episode.path, episode.link, episode.persons, episode.chapters, episode.description)
    return found


def _links(path: Path, link: str | None, persons: Iterable[Person], chapters: Iterable[Chapter],
            description: str) -> list[Placeholder]:
    found = []
    if link and is_placeholder_url(link):
        found.append(Placeholder(path, "link", link))
    for number, person in enumerate(persons, 1):
        for key, value in (("href", person.href), ("img", person.img)):
            if value and is_placeholder_url(value):
                found.append(Placeholder(path, f"persons[{number}].{key}", value))
    for number, chapter in enumerate(chapters, 1):
        for key, value in (("url", chapter.url), ("img", chapter.img)):
            if value and is_placeholder_url(value):
                found.append(Placeholder(path, f"chapters[{number}].{key}", value))
    for url in _URL_IN_TEXT.findall(description or ""):
        if is_placeholder_url(url):   # one is enough to send the volunteer to the notes
            found.append(Placeholder(path, "description", url))
            break
    return found


def is_rehearsal_target(storage: StorageSettings) -> bool:
    """A local folder, or a bucket whose endpoint is on this machine: nobody listens there."""
    if not storage.target.startswith("s3://"):
        return True
    try:
        return _is_this_machine((urlsplit(storage.endpoint_url or "").hostname or "").lower())
    except ValueError:
        return False


def refuse_for_real_target(settings: Settings, shows: Iterable[str] = ()) -> None:
    """Before a publish: raise a ConfigError naming the first placeholder, unless the
    target is a rehearsal (a folder, or a bucket on this machine)."""
    storage = settings.storage
    if is_rehearsal_target(storage):
        return
    project = load_project(settings, shows)
    found = find_placeholders(settings, project.shows,
                              [e for show in project.shows for e in project.episodes[show.slug] if not e.draft])
    if not found:
        return
    first = found[0]
    others = f" (and {len(found) - 1} more: run `media-pub validate` to list them)" if len(found) > 1 else ""
    hint = ("set base_url to the public URL where the bucket is served, e.g. https://media.ourcharity.org/"
            if first.key == "base_url" else "replace it with your own")
    what = "is not set" if first.value == NOT_SET else f"{first.value!r} is a placeholder"
    raise ConfigError(f"{what}, and {storage.target} is a real target; {hint}; nothing was built or "
                      f"uploaded{others}", first.file, first.key)
