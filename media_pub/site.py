"""The output layout: every key a build writes, its public URL, and how it is served.

The build directory mirrors the bucket (SPEC 3): a *key* is a path under its root
(``media/<show>/<episode>.mp3``) and ``base_url`` maps to that root. This module is the
one place that knows the layout: each kind of output has one function that makes its key,
and ``url``/``key_of`` turn keys into URLs and back. ``serve`` and ``publish`` take the
Content-Type and Cache-Control of every key from here, so a preview and the bucket answer
with the same headers, and the upload phase of every key (media before pages before feeds
before the index: no feed ever points at an object that is not up) is decided here too.

Named functions rather than one ``key_for(kind, ...)``: each takes exactly the parts its
key has (a transcript has an extension, a feed has none), so a wrong call fails at type
check, not in a bucket. Nothing here does I/O.
"""

from __future__ import annotations

import re
from enum import IntEnum
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

# Top-level folders of the build directory.
FEEDS = "feeds"
MEDIA = "media"
ART = "art"
CHAPTERS = "chapters"
TRANSCRIPTS = "transcripts"
EMBED = "embed"
SHOWS = "shows"            # the website's show and episode pages
CLIPS = "clips"            # shareable clips: made on request, published only when asked
STATE_DIR = ".media-pub"   # media-pub's own files, on a target as in a project

# Folders that hold one sub-folder (or file) per show; a build owns what it wrote in them.
SHOW_FOLDERS = (MEDIA, ART, CHAPTERS, TRANSCRIPTS, EMBED)
# Every folder a build writes into (the website's pages are site_pages' to manage).
BUILD_FOLDERS = (FEEDS, *SHOW_FOLDERS, SHOWS)
# Folders whose keys publish uploads only when asked (``publish --clips``).
UNPUBLISHED_FOLDERS = (CLIPS,)

INDEX_KEY = f"{EMBED}/index.json"
EMBED_SCRIPT_KEY = f"{EMBED}/embed.js"
SITE_INDEX_KEY = "index.html"   # the website's home page: the shows
SITEMAP_KEY = "sitemap.xml"
SITE_ROOT_KEYS = (SITE_INDEX_KEY, SITEMAP_KEY)


# --- keys ----------------------------------------------------------------------------

def feed_key(show: str) -> str:
    """``feeds/<show>.xml``: the RSS feed."""
    return f"{FEEDS}/{show}.xml"


def json_feed_key(show: str) -> str:
    """``feeds/<show>.json``: the JSON Feed."""
    return f"{FEEDS}/{show}.json"


def media_key(show: str, episode: str, extension: str) -> str:
    """``media/<show>/<episode>.<ext>``; ``extension`` with its dot (``.mp3``)."""
    return f"{MEDIA}/{show}/{episode}{extension}"


def artwork_key(show: str, extension: str) -> str:
    """``art/<show>.<jpg|png>``: the show's delivered artwork."""
    return f"{ART}/{show}{extension}"


def episode_image_key(show: str, episode: str, extension: str) -> str:
    """``art/<show>/<episode>.<jpg|png>``: an episode's delivered image."""
    return f"{ART}/{show}/{episode}{extension}"


def rendition_key(image_key: str, size: int) -> str:
    """A smaller copy of a delivered image for the players: ``art/show/ep.jpg`` ->
    ``art/show/ep.192.jpg`` (the players never load a 3000 px image to show 96 px)."""
    path = PurePosixPath(image_key)
    return str(path.with_name(f"{path.stem}.{size}{path.suffix}"))


def chapters_key(show: str, episode: str) -> str:
    """``chapters/<show>/<episode>.json``: Podcasting 2.0 JSON chapters."""
    return f"{CHAPTERS}/{show}/{episode}.json"


def transcript_key(show: str, episode: str, extension: str) -> str:
    """``transcripts/<show>/<episode>.<vtt|srt|json|html>``."""
    return f"{TRANSCRIPTS}/{show}/{episode}{extension}"


def show_page_key(show: str) -> str:
    """``embed/<show>/index.html``: the show player."""
    return f"{EMBED}/{show}/index.html"


def show_oembed_key(show: str) -> str:
    """``embed/<show>/index.oembed.json``: the oEmbed response for the show player."""
    return f"{EMBED}/{show}/index.oembed.json"


def episode_page_key(show: str, episode: str) -> str:
    """``embed/<show>/<episode>.html``: the episode player."""
    return f"{EMBED}/{show}/{episode}.html"


def oembed_key(show: str, episode: str) -> str:
    """``embed/<show>/<episode>.oembed.json``: the oEmbed response for the episode player."""
    return f"{EMBED}/{show}/{episode}.oembed.json"


def peaks_key(show: str, episode: str) -> str:
    """``embed/<show>/<episode>.peaks.json``: the waveform the player draws."""
    return f"{EMBED}/{show}/{episode}.peaks.json"


def asset_key(name: str) -> str:
    """``embed/<name>``: a file the players share (player.js, player.css, embed.js)."""
    return f"{EMBED}/{name}"


def site_show_key(show: str) -> str:
    """``shows/<show>/index.html``: the website's page for a show, every episode listed."""
    return f"{SHOWS}/{show}/index.html"


def site_episode_key(show: str, episode: str) -> str:
    """``shows/<show>/<episode>.html``: the website's page for an episode."""
    return f"{SHOWS}/{show}/{episode}.html"


def clip_key(show: str, name: str) -> str:
    """``clips/<show>/<name>``: a shareable clip (not published unless asked)."""
    return f"{CLIPS}/{show}/{name}"


def state_key(name: str) -> str:
    """``.media-pub/<name>``: media-pub's own record on a target (manifest, lock)."""
    return f"{STATE_DIR}/{name}"


# --- URLs ----------------------------------------------------------------------------

def url(base_url: str, key: str) -> str:
    """The public URL of ``key``; ``base_url`` ends with ``/``.

    Example:
        >>> url("https://media.example.org/", "media/show/ep 1.mp3")
        'https://media.example.org/media/show/ep%201.mp3'
    """
    # A key of slug characters (nearly all: keys are made from slugs) is its own quoting.
    return base_url + (key if _URL_SAFE.fullmatch(key) else quote(key))


_URL_SAFE = re.compile(r"[A-Za-z0-9_.~/-]*")   # what quote() leaves as it is (RFC 3986 unreserved, and /)


def key_of(base_url: str, address: str) -> str | None:
    """The key a public URL names, or None when it is not under ``base_url`` (or would
    climb out of it with ``..``). The inverse of ``url``; query and fragment are dropped.

    Example:
        >>> key_of("https://media.example.org/", "https://media.example.org/feeds/a.xml?x=1")
        'feeds/a.xml'
    """
    if not base_url or not address.startswith(base_url):
        return None
    key = unquote(urlsplit(address[len(base_url):]).path).lstrip("/")
    parts = PurePosixPath(key).parts
    if not key or any(part in ("..", ".") for part in parts):
        return None
    return key


def show_of(key: str) -> str | None:
    """The show slug a key belongs to (None for shared keys such as ``embed/index.json``).

    Example:
        >>> show_of("media/locked-up-living/001.mp3"), show_of("art/films.jpg"), show_of("embed/player.js")
        ('locked-up-living', 'films', None)
    """
    folder, _, rest = key.partition("/")
    if not rest:
        return None
    if folder == FEEDS:
        return PurePosixPath(rest).stem
    if folder in (*SHOW_FOLDERS, SHOWS, CLIPS):
        if "/" in rest:
            return rest.split("/", 1)[0]
        return None if folder == EMBED else PurePosixPath(rest).stem
    return None


def in_build_folder(key: str) -> bool:
    """Whether ``key`` lies in one of media-pub's own folders (``media/``, ``feeds/``, ...),
    rather than at the root the website shares with whatever else the bucket serves."""
    return key.split("/", 1)[0] in BUILD_FOLDERS


def is_clip(key: str) -> bool:
    """Whether ``key`` is a shareable clip (``clips/<show>/<name>.mp4``)."""
    return key.split("/", 1)[0] == CLIPS


def is_published(key: str, clips: bool = False) -> bool:
    """Whether ``publish`` uploads ``key``: never dot-files or media-pub's state, and clips
    only when asked (``clips``, from ``publish --clips``)."""
    parts = key.split("/")
    if any(part.startswith(".") for part in parts):
        return False
    return clips or parts[0] not in UNPUBLISHED_FOLDERS


# --- serving -------------------------------------------------------------------------

class Phase(IntEnum):
    """Upload order: a phase starts only when every upload before it succeeded."""

    MEDIA = 0      # media, artwork, chapters, transcripts, player assets, waveforms
    PAGES = 1      # player pages and oEmbed responses
    FEEDS = 2      # RSS and JSON Feed
    INDEX = 3      # embed/index.json: last, the website reads it


PHASE_NAMES = {Phase.MEDIA: "media and artwork", Phase.PAGES: "player pages",
               Phase.FEEDS: "feeds", Phase.INDEX: "embed index"}


def phase_of(key: str) -> Phase:
    """The upload phase of ``key``.

    Example:
        >>> phase_of("media/show/ep.mp3"), phase_of("feeds/show.xml"), phase_of(INDEX_KEY)
        (<Phase.MEDIA: 0>, <Phase.FEEDS: 2>, <Phase.INDEX: 3>)
    """
    if key == INDEX_KEY:
        return Phase.INDEX
    folder = key.split("/", 1)[0]
    if folder == FEEDS and key.endswith((".xml", ".json")):
        return Phase.FEEDS
    if folder == EMBED and key.endswith((".html", ".oembed.json")):
        return Phase.PAGES
    if folder == SHOWS or key in SITE_ROOT_KEYS:
        return Phase.PAGES          # the website links the feeds and players
    return Phase.MEDIA


# One table for every media type we write (STANDARDS 7.1): enclosure type, JSON Feed
# mime_type and the Content-Type of a stored or served object are all read from here.
MIME_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".txt": "text/plain",
    ".html": "text/html",
    ".json": "application/json",
    ".xml": "application/rss+xml",
    ".css": "text/css",
    ".js": "text/javascript",
}
FEED_JSON_TYPE = "application/feed+json"
CHAPTERS_TYPE = "application/json+chapters"   # Podcasting 2.0 chapters spec
SITEMAP_TYPE = "application/xml"              # sitemaps.org: an XML document, not a feed
# Types sent with "; charset=utf-8": everything we write as text is UTF-8.
_TEXT_TYPES = ("text/", "application/json", FEED_JSON_TYPE, "application/rss+xml", "application/x-subrip",
               SITEMAP_TYPE)

SHORT_CACHE = "public, max-age=300"        # feeds, index, pages, oEmbed: change every publish
LONG_CACHE = "public, max-age=31536000"    # media and artwork (not "immutable": keys are reused)


def media_type_of_suffix(suffix: str) -> str:
    """The media type of a file name's suffix (``.mp3`` -> ``audio/mpeg``)."""
    return MIME_TYPES.get(suffix.lower(), "application/octet-stream")


def media_type(key: str) -> str:
    """The media type of an output key, without parameters.

    Example:
        >>> media_type("feeds/show.json"), media_type("chapters/show/ep.json")
        ('application/feed+json', 'application/json+chapters')
    """
    name = key.rsplit("/", 1)[-1]
    suffix = name[name.rfind("."):] if "." in name else ""
    folder = key.split("/", 1)[0]
    if suffix.lower() == ".json" and folder == FEEDS:
        return FEED_JSON_TYPE
    if suffix.lower() == ".json" and folder == CHAPTERS:
        return CHAPTERS_TYPE
    if key == SITEMAP_KEY:
        return SITEMAP_TYPE
    return media_type_of_suffix(suffix)


def content_type(key: str) -> str:
    """The Content-Type ``publish`` stores and ``serve`` sends for ``key``.

    Example:
        >>> content_type("feeds/show.xml"), content_type("media/show/ep.mp3")
        ('application/rss+xml; charset=utf-8', 'audio/mpeg')
    """
    kind = media_type(key)
    if kind.startswith(_TEXT_TYPES):
        kind += "; charset=utf-8"
    return kind


def cache_control(key: str) -> str:
    """Media and artwork for a year; everything that changes on a publish for 5 minutes."""
    return LONG_CACHE if key.split("/", 1)[0] in (MEDIA, ART) else SHORT_CACHE
