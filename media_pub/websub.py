"""Tell a show's WebSub hub that its feeds changed (SPEC 5.3 ``websub_hub``; STANDARDS 9.5).

After a publish has put the feeds up, one POST per hub (PubSubHubbub 0.3 section 7.1):
``hub.mode=publish`` and one ``hub.url`` per changed feed, each byte-identical to the
feed's ``rel="self"`` URL. The hub answers 204 (any 2xx is taken as accepted). A failed
notification is a warning, never a failed publish: the feeds are up either way, and
apps that poll still find the new episode.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from media_pub.model import BuiltShow, Settings

TIMEOUT = 10.0   # seconds; a slow hub must not hold up the end of a publish


@dataclass(frozen=True)
class Notification:
    hub: str
    topics: tuple[str, ...]
    problem: str | None = None   # None: the hub accepted it


def topics(settings: Settings, shows: Iterable[BuiltShow], uploaded: Iterable[str]) -> dict[str, list[str]]:
    """hub URL -> the URLs of the feeds this publish uploaded (nothing uploaded: no ping)."""
    sent = set(uploaded)
    hubs: dict[str, list[str]] = {}
    for built in shows:
        show = built.show
        if not show.websub_hub:
            continue
        for key in (show.feed_key, show.json_feed_key):
            if key in sent:
                hubs.setdefault(show.websub_hub, []).append(settings.url(key))
    return hubs


def notify(hub: str, feed_urls: Sequence[str], timeout: float = TIMEOUT) -> Notification:
    """POST ``hub.mode=publish`` with every ``hub.url`` to ``hub``."""
    body = urlencode([("hub.mode", "publish"), *(("hub.url", url) for url in feed_urls)]).encode()
    request = urllib.request.Request(hub, data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:   # the URL is http(s): checked on load
            status = response.status
    except urllib.error.HTTPError as error:
        return Notification(hub, tuple(feed_urls), f"the hub answered {error.code} {error.reason}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Notification(hub, tuple(feed_urls), f"cannot reach the hub ({reason})")
    if not 200 <= status < 300:
        return Notification(hub, tuple(feed_urls), f"the hub answered {status}")
    return Notification(hub, tuple(feed_urls))


def notify_hubs(settings: Settings, shows: Iterable[BuiltShow], uploaded: Iterable[str],
                timeout: float = TIMEOUT) -> list[Notification]:
    """Notify each hub of the feeds this publish changed; one Notification per hub."""
    return [notify(hub, urls, timeout) for hub, urls in topics(settings, shows, uploaded).items()]
