"""The one URL rule for every link taken from the volunteer's metadata."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from media_pub.errors import ConfigError

URL_SCHEMES = ("http", "https")


def http_url(value: str | None, file: Path, field: str) -> str | None:
    """Every URL taken from metadata goes through here: absolute http(s) with a host, or an error.

    ``javascript:``, ``data:``, ``file:`` and relative links are refused, naming the file
    and key, because feeds, chapters and player pages put these URLs in front of listeners.

    Example:
        >>> http_url("https://example.org/a", Path("ep.toml"), "link")
        'https://example.org/a'
    """
    if value is None:
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        raise ConfigError(f"{value!r:.80} is not a URL; give an http(s) address", file, field) from None
    if parts.scheme.lower() not in URL_SCHEMES or not parts.hostname or any(c.isspace() for c in text):
        raise ConfigError(f"{value!r:.80} is not allowed: links must be http:// or https:// addresses",
                          file, field)
    return text
