"""Pure identity rules of the feed specs: no I/O, no state, the same answer everywhere.

The show's ``podcast:guid`` is the UUIDv5 of its feed URL (Podcasting 2.0), computed by
the build (writeback.py stores it once) and re-checked by ``validate``.
"""

from __future__ import annotations

import uuid

#: The Podcasting 2.0 namespace for podcast:guid (UUIDv5 of "https://podcastindex.org/namespace/1.0").
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """podcast:guid for a feed URL: UUIDv5 of the URL without scheme and trailing slashes.

    Example:
        >>> podcast_guid("https://podnews.net/rss")
        '9b024349-ccf0-5f69-a609-6b82873eab3c'
    """
    name = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, name))
