"""The embed index, player pages and oEmbed responses (SPEC section 3), from the built model.

Pages are Jinja2 templates with autoescape; show notes go through ``notes.notes_html``
(allowlist sanitiser), and data for the script is embedded with ``tojson``, so no script
from metadata can run. Pages refer to media, artwork and the player's own CSS/JS with
relative URLs, so they work from ``media-pub serve``, from ``file://`` and from any static
host; ``embed/index.json`` and the oEmbed files carry absolute URLs from ``base_url``.
Every file is written atomically (temp file + ``os.replace``) and left untouched when its
content has not changed.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import webvtt
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from media_pub import site
from media_pub.errors import MediaPubError
from media_pub.fsutil import write_atomic
from media_pub.media import images
from media_pub.model import BuiltShow, Delivered, Settings, Show, ShowType
from media_pub.outputs.feed import rfc3339
from media_pub.outputs.notes import notes_html, notes_text, summary

STATIC_FILES = ("player.css", "player.js", "embed.js")   # copied to embed/
SHOW_EPISODES = 20                            # episodes listed in a show player
PEAK_BARS = 200                               # waveform resolution in the page
FRAME_WIDTH = 720                             # oEmbed width; the iframe is 100% up to this
PLAYER_CHROME = 330                           # head, controls, seek bar and tools (px)
IFRAME_ALLOW = "fullscreen; picture-in-picture"
# Names for the show's `listen` links, in the order the subscribe panel lists them.
LISTEN_NAMES = {"apple": "Apple Podcasts", "spotify": "Spotify", "youtube": "YouTube",
                "amazon": "Amazon Music", "pocketcasts": "Pocket Casts", "overcast": "Overcast",
                "podcastindex": "Podcast Index", "deezer": "Deezer"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")

_env = Environment(
    loader=PackageLoader("media_pub", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


class EmbedError(MediaPubError):
    """An embed page could not be written (an unreadable transcript, a failed write)."""


# --- public API --------------------------------------------------------------------------


def write_embeds(settings: Settings, shows: Sequence[BuiltShow], out_dir: Path,
                 generated: datetime, owned: Collection[str] | None = None) -> list[str]:
    """Write embed/index.json, the player pages, oEmbed files and player assets.

    ``shows`` carry live episodes newest first (drafts and scheduled episodes are dropped
    here too, against ``generated``). Returns the keys created or changed, in write order
    (``embed/index.json`` last); unchanged files are not rewritten. Shows of an earlier
    index that are not in ``shows`` stay in it while their feed exists. Stale pages are
    removed only when ``owned`` (the keys earlier builds wrote here) lists them.

    Example:
        keys = write_embeds(settings, built_shows, settings.out_dir, datetime.now(UTC))
    """
    # Read every transcript and image first: bad input fails before anything is written.
    views = player_views(settings, shows, out_dir, generated)
    oembeds = [([_oembed(settings, built.show, ep, out_dir) for ep in episodes],
                _show_oembed(settings, built.show, show, episodes, out_dir))
               for built, (show, episodes) in zip(shows, views, strict=True)]

    writer = PageWriter(out_dir)
    static = resources.files("media_pub") / "static"
    for name in STATIC_FILES:
        writer.write(site.asset_key(name), static.joinpath(name).read_bytes())
    index_shows = []
    for (show, episodes), (documents, show_document) in zip(views, oembeds, strict=True):
        page = {"lang": show.lang, "assets": "../", "feeds": [show.feeds]}
        for ep, document in zip(episodes, documents, strict=True):
            writer.write(ep.page_key, render("episode.html", show=show, ep=ep, page_title=ep.title,
                                             data=player_data(show, [ep]), **page))
            writer.write(ep.oembed_key, _json(document))
        listed = show_listing(show, episodes)
        writer.write(show.page_key, render("show.html", show=show, episodes=listed,
                                           page_title=show.title,
                                           data=player_data(show, listed), **page))
        writer.write(show.oembed_key, _json(show_document))
        index_shows.append(_index_show(settings, show, episodes))
    _write_index(writer, index_shows, generated)
    # Stale pages go last: until the new index is written the old one links to them.
    for show, _ in views:
        writer.remove_stale(f"{site.EMBED}/{show.slug}", owned)
    return writer.keys


def player_views(settings: Settings, shows: Sequence[BuiltShow], out_dir: Path,
                 generated: datetime) -> list[tuple[ShowView, list[EpisodeView]]]:
    """What the player templates need, per show: its view and its live episodes' views
    (newest first). Reads transcripts and images, so bad input fails here, before output."""
    return [(_show_view(settings, built, out_dir),
             [_episode_view(settings, built, delivered, out_dir)
              for delivered in built.episodes if delivered.episode.is_live(generated)])
            for built in shows]


def show_listing(show: ShowView, episodes: list[EpisodeView]) -> list[EpisodeView]:
    """The episodes a show player lists: a serial is heard in order, so from part one."""
    return (episodes[::-1] if show.serial else episodes)[:SHOW_EPISODES]


def _write_index(writer: PageWriter, shows: list[dict[str, Any]], generated: datetime) -> None:
    """The embed index (``site.INDEX_KEY``): these shows, plus the shows of the previous index this build did
    not touch (``build SHOW`` builds one show) whose feed is still there. Rewritten only when
    something besides ``generated`` changed, so a rebuild uploads nothing."""
    path = writer.root / site.INDEX_KEY
    previous: dict[str, Any] = {}
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    if not isinstance(previous, dict):
        previous = {}
    fresh = {show["slug"]: show for show in shows}
    merged = []
    for old in previous.get("shows") or []:
        slug = old.get("slug") if isinstance(old, dict) else None
        if slug in fresh:
            merged.append(fresh.pop(slug))
        elif slug and (writer.root / site.feed_key(slug)).is_file():
            merged.append(old)
    merged.extend(fresh.values())
    if previous.get("version") == 1 and previous.get("shows") == merged and "generated" in previous:
        writer.owned.add(site.INDEX_KEY)
        return
    writer.write(site.INDEX_KEY,
                 _json({"version": 1, "generated": rfc3339(generated), "shows": merged}))


def clock(seconds: float) -> str:
    """``1:02:03`` or ``2:05``, as players show times."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --- views: what the templates and JSON need, computed once --------------------------------


@dataclass(frozen=True)
class Cue:
    start: float | None
    end: float | None
    text: str
    speaker: str | None = None

    @property
    def start_text(self) -> str:
        return clock(self.start or 0)


@dataclass(frozen=True)
class ChapterView:
    start: float
    title: str

    @property
    def start_text(self) -> str:
        return clock(self.start)


@dataclass(frozen=True)
class Accent:
    """A show's accent colour and the text colour readable on it (WCAG contrast)."""

    fill: str
    fg: str


@dataclass(frozen=True)
class FeedLinks:
    title: str
    rss: str
    json: str


@dataclass(frozen=True)
class ShowView:
    slug: str
    title: str
    author: str
    lang: str
    medium: str
    is_video: bool
    serial: bool
    page_key: str
    player_url: str
    oembed_key: str
    oembed_url: str
    site_url: str
    feed_url: str
    artwork_key: str | None
    artwork_url: str | None
    artwork_href: str | None
    thumb_href: str | None
    rss_href: str
    json_href: str
    description_html: Markup
    summary: str
    accent: Accent | None
    listen: tuple[tuple[str, str], ...]
    app_links: tuple[tuple[str, str], ...]

    @property
    def feeds(self) -> FeedLinks:
        return FeedLinks(self.title, self.rss_href, self.json_href)


@dataclass(frozen=True)
class EpisodeView:
    slug: str
    guid: str
    title: str
    lang: str
    is_video: bool
    published: datetime
    duration: float
    media_key: str
    media_url: str
    media_type: str
    media_bytes: int
    page_key: str
    oembed_key: str
    player_url: str
    oembed_url: str
    page_href: str                 # from the show page
    site_url: str                  # the website's page for it: what "share" links to
    media_href: str
    poster_href: str | None
    thumb_href: str | None         # the artwork as shown beside the title
    thumb_small_href: str | None   # ... and in episode lists
    image_key: str | None
    image_url: str | None
    captions_href: str | None
    transcript_href: str | None
    chapters_href: str | None
    chapters_url: str | None
    transcript_url: str | None
    chapters: tuple[ChapterView, ...]
    transcript: tuple[Cue, ...]
    persons: tuple[Any, ...]
    notes_html: Markup
    summary: str
    peaks: tuple[float, ...] | None
    video_size: tuple[int, int] | None

    @property
    def published_iso(self) -> str:
        return rfc3339(self.published)

    @property
    def published_text(self) -> str:
        day = self.published.astimezone(timezone.utc)
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"

    @property
    def duration_text(self) -> str:
        return clock(self.duration)

    @property
    def duration_iso(self) -> str:
        hours, rest = divmod(int(round(self.duration)), 3600)
        minutes, secs = divmod(rest, 60)
        return f"PT{hours}H{minutes}M{secs}S"

    @property
    def duration_spoken(self) -> str:
        return spoken(self.duration)

    @property
    def media_size(self) -> str:
        megabytes = self.media_bytes / 1_000_000
        size = f"{megabytes:.1f} MB" if megabytes >= 0.1 else f"{self.media_bytes // 1000} kB"
        return f"{Path(self.media_key).suffix.lstrip('.').upper()}, {size}"


def spoken(seconds: float) -> str:
    """``1 hour 2 minutes 3 seconds``, for screen readers."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}"
             for n, unit in ((hours, "hour"), (minutes, "minute")) if n]
    if secs or not parts:
        parts.append(f"{secs} second{'' if secs == 1 else 's'}")
    return " ".join(parts)


def _href(key: str) -> str:
    """A key as seen from a page two folders down (embed/<show>/, shows/<show>/): relative,
    so any host (or file://) works."""
    return "../../" + quote(key)


def accent(colour: str | None) -> Accent | None:
    """``#RRGGBB`` with black or white text, whichever contrasts more (WCAG 2 luminance)."""
    if not colour:
        return None
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    lum = (0.2126 * channel(colour[1:3]) + 0.7152 * channel(colour[3:5])
           + 0.0722 * channel(colour[5:7]))
    return Accent(colour, "#000000" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#ffffff")


def app_links(feed_url: str, title: str) -> tuple[tuple[str, str], ...]:
    """One-tap subscribe links for apps that take a feed URL (STANDARDS 9.6), built only
    from our own feed URL, never from metadata."""
    bare = feed_url.split("://", 1)[-1]
    encoded = quote(feed_url, safe="")
    return (
        ("Apple Podcasts", f"podcast://{bare}"),
        ("Pocket Casts", f"pktc://subscribe/{bare}"),
        ("Overcast", f"overcast://x-callback-url/add?url={encoded}"),
        ("AntennaPod", ("https://antennapod.org/deeplink/subscribe?url="
                        f"{encoded}&title={quote(title, safe='')}")),
        ("Castro", f"castro://subscribe/{bare}"),
        ("Podcast Addict", f"podcastaddict://{bare}"),
    )


def _listen(show: Show) -> tuple[tuple[str, str], ...]:
    """The show's own ``listen`` links (Apple, Spotify, ...), named for people."""
    links = getattr(show, "listen", None) or {}
    items = links.items() if isinstance(links, dict) else links
    return tuple((LISTEN_NAMES.get(str(name).lower(), str(name).replace("_", " ").title()), str(url))
                 for name, url in items if str(url).startswith(("https://", "http://")))


def _show_view(settings: Settings, built: BuiltShow, out_dir: Path) -> ShowView:
    show = built.show
    page_key = site.show_page_key(show.slug)
    feed_url = settings.url(show.feed_key)
    return ShowView(
        slug=show.slug,
        title=show.title,
        author=show.author,
        lang=show.language or "en",
        medium=show.medium.value,
        is_video=show.medium.is_video,
        serial=show.type == ShowType.SERIAL,
        page_key=page_key,
        player_url=settings.url(page_key),
        oembed_key=site.show_oembed_key(show.slug),
        oembed_url=settings.url(site.show_oembed_key(show.slug)),
        site_url=settings.url(site.site_show_key(show.slug)),
        feed_url=feed_url,
        artwork_key=built.artwork_key,
        artwork_url=settings.url(built.artwork_key) if built.artwork_key else None,
        artwork_href=_href(built.artwork_key) if built.artwork_key else None,
        thumb_href=_thumb(out_dir, built.artwork_key, 192),
        rss_href=_href(show.feed_key),
        json_href=_href(show.json_feed_key),
        description_html=Markup(notes_html(show.description or "")),
        summary=summary(show.description or ""),
        accent=accent(show.player.accent),
        listen=_listen(show),
        app_links=app_links(feed_url, show.title),
    )


def _thumb(out_dir: Path, key: str | None, size: int) -> str | None:
    """The image to show at ``size`` CSS px (2x a 96 px box): its rendition when the build
    made one, so an embed never downloads a 1400 px image to show 96 px."""
    if not key:
        return None
    small = site.rendition_key(key, size)
    return _href(small if (out_dir / small).is_file() else key)


def _episode_view(settings: Settings, built: BuiltShow, delivered: Delivered,
                  out_dir: Path) -> EpisodeView:
    show, episode = built.show, delivered.episode
    image_key = delivered.image_key or built.artwork_key
    is_video = delivered.media_type.startswith("video/")
    transcript_file = _built_or_source(out_dir, delivered.transcript_key, episode.transcript)
    transcript = (_read_transcript(transcript_file, delivered.transcript_type, episode.path)
                  if transcript_file else ())
    captions = (_href(delivered.transcript_key)
                if is_video and delivered.transcript_key and delivered.transcript_type == "text/vtt"
                else None)
    video = episode.info.video if episode.info else None
    return EpisodeView(
        slug=episode.slug,
        guid=episode.guid or "",
        title=episode.title,
        lang=show.language or "en",
        is_video=is_video,
        published=episode.published,
        duration=delivered.duration,
        media_key=delivered.media_key,
        media_url=settings.url(delivered.media_key),
        media_type=delivered.media_type,
        media_bytes=delivered.media_bytes,
        page_key=site.episode_page_key(show.slug, episode.slug),
        oembed_key=site.oembed_key(show.slug, episode.slug),
        player_url=settings.url(site.episode_page_key(show.slug, episode.slug)),
        oembed_url=settings.url(site.oembed_key(show.slug, episode.slug)),
        page_href=quote(f"{episode.slug}.html"),
        site_url=settings.url(site.site_episode_key(show.slug, episode.slug)),
        media_href=_href(delivered.media_key),
        poster_href=_href(image_key) if image_key else None,
        thumb_href=_thumb(out_dir, image_key, 192),
        thumb_small_href=_thumb(out_dir, image_key, 96),
        image_key=image_key,
        image_url=settings.url(image_key) if image_key else None,
        captions_href=captions,
        transcript_href=_href(delivered.transcript_key) if delivered.transcript_key else None,
        chapters_href=_href(delivered.chapters_key) if delivered.chapters_key else None,
        chapters_url=settings.url(delivered.chapters_key) if delivered.chapters_key else None,
        transcript_url=(settings.url(delivered.transcript_key)
                        if delivered.transcript_key else None),
        chapters=tuple(ChapterView(round(c.start, 3), c.title) for c in episode.chapters
                       if c.toc),
        transcript=transcript,
        persons=tuple(episode.persons),
        notes_html=Markup(notes_html(episode.description or "")),
        summary=summary(episode.description or ""),
        peaks=None if is_video else _read_peaks(out_dir, delivered.peaks_key),
        video_size=(video.width, video.height) if video and video.width and video.height else None,
    )


def _built_or_source(out_dir: Path, key: str | None, source: Path | None) -> Path | None:
    if key and (out_dir / key).is_file():
        return out_dir / key
    if source and source.is_file():
        return source
    return None


# --- transcripts and peaks ---------------------------------------------------------------


def _read_transcript(path: Path, mime_type: str | None, sidecar: Path) -> tuple[Cue, ...]:
    """Cues (or paragraphs) to show beside the media; the type picks the parser."""
    kind = mime_type or ""
    suffix = path.suffix.lower()
    try:
        if kind == "text/vtt" or suffix == ".vtt":
            return _cues(webvtt.read(str(path)))
        if kind == "application/x-subrip" or suffix == ".srt":
            return _cues(webvtt.from_srt(str(path)))
        text = path.read_text(encoding="utf-8-sig")
        if kind == "application/json" or suffix == ".json":
            return _json_cues(json.loads(text))
        if kind == "text/html" or suffix in (".html", ".htm"):
            text = notes_text(text)
        return tuple(Cue(None, None, block.strip()) for block in text.split("\n\n")
                     if block.strip())
    except (webvtt.errors.MalformedFileError, webvtt.errors.MalformedCaptionError,
            ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise EmbedError(f"cannot read the transcript {path.name}: {error}",
                         sidecar, "transcript") from error


def _cues(captions: webvtt.WebVTT) -> tuple[Cue, ...]:
    # start_in_seconds is truncated to whole seconds; in_milliseconds keeps the cue exact
    return tuple(
        Cue(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000,
            " ".join(c.text.split()), c.voice)
        for c in captions.captions if c.text.strip()
    )


def _json_cues(document: dict[str, Any]) -> tuple[Cue, ...]:
    """Podcasting 2.0 JSON transcript: ``{"segments": [{"startTime", "endTime", "body"}]}``."""
    return tuple(
        Cue(float(s["startTime"]), float(s.get("endTime", s["startTime"])),
            " ".join(str(s["body"]).split()), s.get("speaker"))
        for s in document["segments"] if str(s.get("body", "")).strip()
    )


def _read_peaks(out_dir: Path, key: str | None) -> tuple[float, ...] | None:
    """The waveform peaks, reduced to ``PEAK_BARS`` maxima; None when absent or unusable.

    They are inlined in the page rather than fetched, so the waveform also works from
    ``file://``; the build must write the peaks file before calling ``write_embeds``.
    """
    if not key or not (out_dir / key).is_file():
        return None
    try:
        values = json.loads((out_dir / key).read_text(encoding="utf-8"))
        peaks = [min(max(float(v), 0.0), 1.0) for v in values]
    except (ValueError, TypeError):
        return None
    if not peaks:
        return None
    if len(peaks) > PEAK_BARS:
        step = len(peaks) / PEAK_BARS
        peaks = [max(peaks[int(i * step): max(int((i + 1) * step), int(i * step) + 1)])
                 for i in range(PEAK_BARS)]
    return tuple(round(p, 3) for p in peaks)


# --- JSON documents ----------------------------------------------------------------------


def _index_show(settings: Settings, show: ShowView, episodes: list[EpisodeView]) -> dict[str, Any]:
    return {
        "slug": show.slug,
        "title": show.title,
        "medium": show.medium,
        "feed_url": show.feed_url,
        "artwork_url": show.artwork_url,
        "player_url": show.player_url,
        "episodes": [
            {
                "slug": ep.slug,
                "guid": ep.guid,
                "title": ep.title,
                "published": ep.published_iso,
                "duration_seconds": round(float(ep.duration), 3),
                "media_url": ep.media_url,
                "media_type": ep.media_type,
                "media_bytes": ep.media_bytes,
                "image_url": ep.image_url,
                "player_url": ep.player_url,
                "oembed_url": ep.oembed_url,
                "chapters_url": ep.chapters_url,
                "transcript_url": ep.transcript_url,
                "summary": ep.summary,
            }
            for ep in episodes
        ],
    }


def episode_height(ep: EpisodeView, width: int = FRAME_WIDTH) -> int:
    """A first guess at the episode page's height at ``width``; embed.js (or WordPress's
    own embed script) then sets the height the page reports."""
    height = PLAYER_CHROME
    if ep.is_video:
        aspect = ep.video_size[1] / ep.video_size[0] if ep.video_size else 9 / 16
        height += round((width - 24) * aspect)
    if ep.chapters:
        height += 60 + 45 * len(ep.chapters)
    if ep.transcript:
        height += 330
    if ep.notes_html:
        height += 160
    return height


def _iframe(src: str, title: str, width: int, height: int, video: bool) -> str:
    """The oEmbed ``html``: one iframe that is never wider than its container (SPEC 5.5)."""
    return str(Markup(
        '<iframe src="{src}" width="{width}" height="{height}" title="{title}" loading="lazy"'
        '{allow} style="width:100%;max-width:{width}px;height:{height}px;border:0"></iframe>'
    ).format(src=src, width=width, height=height, title=title,
             allow=Markup(f' allow="{IFRAME_ALLOW}" allowfullscreen') if video else ""))


def _oembed_document(settings: Settings, show: Show, kind: str, title: str, html: str,
                     height: int, image_key: str | None, image_url: str | None,
                     out_dir: Path) -> dict[str, Any]:
    document: dict[str, Any] = {"version": "1.0", "type": kind, "title": title,
                                "author_name": show.author}
    if show.link:
        document["author_url"] = show.link
    document["provider_name"] = urlsplit(settings.base_url).hostname or show.title
    document["provider_url"] = settings.base_url
    document["cache_age"] = 3600
    document["html"] = html
    document["width"] = FRAME_WIDTH
    document["height"] = height
    thumbnail = _image_size(out_dir, image_key)
    if thumbnail:
        document["thumbnail_url"] = image_url
        document["thumbnail_width"], document["thumbnail_height"] = thumbnail
    return document


def _oembed(settings: Settings, show: Show, ep: EpisodeView, out_dir: Path) -> dict[str, Any]:
    """oEmbed 1.0: ``video`` for films, ``rich`` for audio; one iframe onto the player page."""
    height = episode_height(ep)
    return _oembed_document(
        settings, show, "video" if ep.is_video else "rich", ep.title,
        _iframe(ep.player_url, ep.title, FRAME_WIDTH, height, ep.is_video),
        height, ep.image_key, ep.image_url, out_dir)


def _show_oembed(settings: Settings, show: Show, view: ShowView, episodes: list[EpisodeView],
                 out_dir: Path) -> dict[str, Any]:
    """The show player's oEmbed (SPEC 5.5): its player and the list of its latest episodes."""
    listed = show_listing(view, episodes)
    height = PLAYER_CHROME + 60 + 62 * len(listed) + (160 if view.description_html else 0)
    if view.is_video:
        height += round((FRAME_WIDTH - 24) * 9 / 16)
    title = f"{view.title}: latest episodes"
    return _oembed_document(
        settings, show, "video" if view.is_video else "rich", view.title,
        _iframe(view.player_url, title, FRAME_WIDTH, height, view.is_video),
        height, view.artwork_key, view.artwork_url, out_dir)


def _image_size(out_dir: Path, key: str | None) -> tuple[int, int] | None:
    return images.size_of(out_dir / key) if key else None


def player_data(show: ShowView, episodes: list[EpisodeView]) -> dict[str, Any]:
    """The JSON a page gives player.js: the show and the episodes it can play."""
    return {"show": show.title, "author": show.author,
            "episodes": [_player_item(ep) for ep in episodes]}


def _player_item(ep: EpisodeView) -> dict[str, Any]:
    """What player.js needs for one episode (embedded with ``tojson``: HTML-safe)."""
    return {
        "title": ep.title,
        "src": ep.media_href,
        "type": ep.media_type,
        "poster": ep.poster_href,
        "duration": ep.duration,
        "peaks": list(ep.peaks) if ep.peaks else None,
        "captions": ep.captions_href,
        "lang": ep.lang,
        "share": ep.site_url,
    }


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- atomic writes -----------------------------------------------------------------------


class PageWriter:
    """Writes keys under ``root`` atomically; ``keys`` lists those created or changed."""

    def __init__(self, root: Path):
        self.root = root
        self.keys: list[str] = []
        self.owned: set[str] = set()

    def write(self, key: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.owned.add(key)
        try:
            if write_atomic(self.root / key, data):
                self.keys.append(key)
        except OSError as error:
            raise EmbedError(f"cannot write: {error.strerror or error}", self.root / key) from error

    def remove_stale(self, folder: str, owned: Collection[str] | None) -> None:
        """Delete pages and oEmbed files in ``folder`` that an earlier build wrote (``owned``;
        None: every page there) and this one did not (drafted or removed episodes)."""
        for path in sorted((self.root / folder).glob("*")):
            key = f"{folder}/{path.name}"
            if path.is_file() and path.name.endswith((".html", ".oembed.json")) \
                    and key not in self.owned and (owned is None or key in owned):
                path.unlink()


__all__ = ["EmbedError", "EpisodeView", "FeedLinks", "PageWriter", "ShowView", "clock", "player_data", "player_views",
           "render", "rfc3339", "show_listing", "spoken",
           "write_embeds"]
