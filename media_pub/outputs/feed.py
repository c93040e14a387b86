"""Podcast feeds: RSS 2.0 with the itunes and podcast (Podcasting 2.0) namespaces, and JSON Feed 1.1.

The only module that imports feedgen. feedgen writes the RSS core and the channel's
itunes tags; two registered extensions add what it lacks or gets wrong for today's
directories: itunes:explicit as true/false (feedgen writes yes/no), itunes:duration as
whole seconds, itunes:category from Apple's current list, HTML notes in CDATA, and the
podcast: tags (guid, locked, medium, person, season, episode, chapters, transcript). The
item extension also writes the item's pubDate and itunes author, season, episode and
episodeType, in feedgen's form and order: through feedgen they cost a 10,000-item feed
a tenth more time than feedgen alone (see :func:`rfc2822`).
"""

from __future__ import annotations

import json
from email.utils import format_datetime
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.ext.podcast import PodcastExtension   # after feedgen.feed, which imports lxml.etree for it
from feedgen.util import xml_elem
from lxml.etree import CDATA

import media_pub
from media_pub import site
from media_pub.errors import FeedError
from media_pub.model import BuiltShow, Delivered, EpisodeType, Person, Settings, Show
from media_pub.outputs.notes import fit_html, notes_html, summary

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_NS = "http://www.w3.org/2005/Atom"
CHAPTERS_TYPE = site.CHAPTERS_TYPE


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _persons(parent: Any, persons: Sequence[Person]) -> None:
    for person in persons:
        element = xml_elem(f"{{{PODCAST_NS}}}person", parent)
        element.text = person.name
        element.attrib["role"] = person.role
        element.attrib["group"] = person.group
        if person.img:
            element.attrib["img"] = person.img
        if person.href:
            element.attrib["href"] = person.href


class PodcastChannel(BaseExtension):
    """Channel-level additions; ``values`` is filled by :func:`rss_feed`."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "content": CONTENT_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        v = self.values
        description = channel.find("description")
        description.text = CDATA(v["description_html"])
        xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = _bool(v["explicit"])
        for category in v["categories"]:
            top, _, sub = category.partition("/")
            element = channel.find(f"{{{ITUNES_NS}}}category[@text='{top}']") if "'" not in top else None
            if element is None:
                element = xml_elem(f"{{{ITUNES_NS}}}category", channel)
                element.attrib["text"] = top
            if sub:
                xml_elem(f"{{{ITUNES_NS}}}category", element).attrib["text"] = sub
        xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = v["guid"]
        locked = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
        locked.text = "yes" if v["locked"] else "no"
        if v.get("owner_email"):
            locked.attrib["owner"] = v["owner_email"]
        xml_elem(f"{{{PODCAST_NS}}}medium", channel).text = v["medium"]
        if v["image_url"]:
            xml_elem(f"{{{ITUNES_NS}}}image", channel).attrib["href"] = v["image_url"]
        _persons(channel, v["persons"])
        _namespace_channel(channel, v["show"], v["trailers"])
        return rss_feed


def _namespace_channel(channel: Any, show: Show, trailers: Sequence[dict[str, str]]) -> None:
    """SPEC 5.3's show keys, and the keys for moving a feed and proving who owns it."""
    if show.websub_hub:
        hub = xml_elem(f"{{{ATOM_NS}}}link", channel)
        hub.attrib.update({"rel": "hub", "href": show.websub_hub})
    if show.block:
        xml_elem(f"{{{ITUNES_NS}}}block", channel).text = "Yes"
    if show.complete:
        xml_elem(f"{{{ITUNES_NS}}}complete", channel).text = "Yes"
    if show.new_feed_url:
        xml_elem(f"{{{ITUNES_NS}}}new-feed-url", channel).text = show.new_feed_url
    for funding in show.funding:
        element = xml_elem(f"{{{PODCAST_NS}}}funding", channel)
        element.attrib["url"] = funding.url
        element.text = funding.title
    if show.license:
        element = xml_elem(f"{{{PODCAST_NS}}}license", channel)
        element.text = show.license.name
        if show.license.url:
            element.attrib["url"] = show.license.url
    for txt in show.txt:
        element = xml_elem(f"{{{PODCAST_NS}}}txt", channel)
        element.text = txt.text
        if txt.purpose:
            element.attrib["purpose"] = txt.purpose
    frequency = show.update_frequency
    if frequency or show.complete:
        element = xml_elem(f"{{{PODCAST_NS}}}updateFrequency", channel)
        element.text = frequency.text if frequency else "Complete"
        if frequency and frequency.rrule:
            element.attrib["rrule"] = frequency.rrule
        if frequency and frequency.dtstart:
            element.attrib["dtstart"] = rfc3339(frequency.dtstart)
        if show.complete:
            element.attrib["complete"] = "true"
    for trailer in trailers:
        element = xml_elem(f"{{{PODCAST_NS}}}trailer", channel)
        element.text = trailer["title"]
        element.attrib.update({k: v for k, v in trailer.items() if k != "title"})


def art_url(settings: Settings, built: BuiltShow, key: str) -> str:
    """An image's URL in the feeds, with ``?v=<first 8 hex of its sha256>``: the contract fixes
    the key, and Apple asks for a new URL when artwork changes (STANDARDS 9.2)."""
    version = dict(built.image_versions).get(key)
    return settings.url(key) + (f"?v={version}" if version else "")


def enclosure_url(settings: Settings, show: Show, key: str) -> str:
    """The media URL feeds give apps: through the show's analytics prefix when it has one.

    Prefix services (OP3, Podtrac, Chartable) take the media URL without its https
    scheme (an http URL keeps its scheme): ``https://op3.dev/e/media.example.org/...``.
    The embed index and players keep the direct URL.
    """
    direct = settings.url(key)
    if not show.analytics_prefix:
        return direct
    return show.analytics_prefix + direct.removeprefix("https://")


def _trailers(settings: Settings, built: BuiltShow) -> list[dict[str, str]]:
    """podcast:trailer for each trailer episode, newest first, with the enclosure's URL, size, type."""
    trailers = []
    for delivered in built.episodes:
        episode = delivered.episode
        if episode.episode_type is not EpisodeType.TRAILER:
            continue
        trailer = {"title": episode.title[:128], "url": enclosure_url(settings, built.show, delivered.media_key),
                   "pubdate": format_datetime(episode.published, usegmt=True),
                   "length": str(delivered.media_bytes), "type": delivered.media_type}
        if episode.season is not None:
            trailer["season"] = str(episode.season)
        trailers.append(trailer)
    return trailers


class PodcastItem(BaseEntryExtension):
    """Item-level additions; ``values`` is filled by :func:`rss_feed`."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def extend_rss(self, item: Any) -> Any:
        v = self.values
        xml_elem("pubDate", item).text = rfc2822(v["published"])   # where feedgen puts it: after the core
        # The item's itunes tags, as feedgen's podcast extension writes them (same order and
        # form); written here, that extension is loaded for the channel only, which made
        # a 10,000-item feed a tenth slower than feedgen alone.
        if v["author"]:
            xml_elem(f"{{{ITUNES_NS}}}author", item).text = v["author"]
        if v["season"]:
            xml_elem(f"{{{ITUNES_NS}}}season", item).text = str(v["season"])
        if v["itunes_episode"]:
            xml_elem(f"{{{ITUNES_NS}}}episode", item).text = str(v["itunes_episode"])
        xml_elem(f"{{{ITUNES_NS}}}episodeType", item).text = v["episode_type"]
        if v["full_html"]:
            xml_elem(f"{{{CONTENT_NS}}}encoded", item).text = CDATA(v["full_html"])
        xml_elem(f"{{{ITUNES_NS}}}duration", item).text = str(round(v["duration"]))
        if v["image_url"]:
            xml_elem(f"{{{ITUNES_NS}}}image", item).attrib["href"] = v["image_url"]
        if v["explicit"] is not None:
            xml_elem(f"{{{ITUNES_NS}}}explicit", item).text = _bool(v["explicit"])
        if v["season"] is not None:
            xml_elem(f"{{{PODCAST_NS}}}season", item).text = str(v["season"])
        if v["episode"] is not None:
            number = v["episode"]
            xml_elem(f"{{{PODCAST_NS}}}episode", item).text = (
                str(int(number)) if float(number).is_integer() else str(number))
        _persons(item, v["persons"])
        if v["chapters_url"]:
            element = xml_elem(f"{{{PODCAST_NS}}}chapters", item)
            element.attrib["url"] = v["chapters_url"]
            element.attrib["type"] = CHAPTERS_TYPE
        for url, kind in v["transcripts"]:   # one per delivered format; the VTT is the captions
            element = xml_elem(f"{{{PODCAST_NS}}}transcript", item)
            element.attrib["url"] = url
            element.attrib["type"] = kind
            if kind == "text/vtt":
                element.attrib["rel"] = "captions"
        return item


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(moment: datetime) -> str:
    """``Thu, 29 Oct 2026 10:00:00 +0000``: an RSS date, in UTC (naive datetimes are taken
    as UTC), in English whatever the locale.

    The items' pubDate. feedgen's own formatter switches the whole process's locale
    around each strftime (three setlocale calls an item, and not thread-safe); it, like
    email.utils.format_datetime, takes about 9 us a date, this under 2.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    m = moment.astimezone(timezone.utc)
    return (f"{_DAYS[m.weekday()]}, {m.day:02d} {_MONTHS[m.month - 1]} {m.year:04d} "
            f"{m.hour:02d}:{m.minute:02d}:{m.second:02d} +0000")


def rfc3339(moment: datetime) -> str:
    """``2026-11-20T09:00:00Z``: UTC, whole seconds (naive datetimes are taken as UTC). The
    one date form of the JSON Feed, the embed index and the player pages."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def last_build_date(built: BuiltShow) -> datetime:
    """Deterministic: the newest live episode's date, so an unchanged build is byte-identical."""
    if built.episodes:
        return max(d.episode.published for d in built.episodes)
    return datetime(2000, 1, 1, tzinfo=timezone.utc)


def show_link(settings: Settings, show: Show) -> str:
    return show.link or settings.url(site.show_page_key(show.slug))


def episode_link(settings: Settings, delivered: Delivered) -> str:
    episode = delivered.episode
    return episode.link or settings.url(site.episode_page_key(episode.show, episode.slug))


def rss_feed(settings: Settings, built: BuiltShow) -> bytes:
    """The show's RSS 2.0 feed as UTF-8 bytes."""
    show = built.show
    feed_url = settings.url(show.feed_key)
    fg = FeedGenerator()
    fg.register_extension("podcast", PodcastExtension, None, atom=False, rss=True)   # the channel's
    fg.register_extension("mediapub", PodcastChannel, PodcastItem, atom=False, rss=True)
    fg.title(show.title)
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    fg.link(href=show_link(settings, show), rel="alternate")   # after self: RSS <link> takes the last
    fg.description(show.title)   # replaced by the CDATA notes in PodcastChannel
    fg.language(show.language)
    fg.generator("media-pub", media_pub.__version__)
    fg.lastBuildDate(last_build_date(built))
    if show.copyright:
        fg.copyright(show.copyright)
    artwork_url = art_url(settings, built, built.artwork_key) if built.artwork_key else None
    if artwork_url:
        fg.image(url=artwork_url, title=show.title, link=show_link(settings, show))
    fg.podcast.itunes_author(show.author)
    if show.owner:
        fg.podcast.itunes_owner(name=show.owner.name, email=show.owner.email)
    fg.podcast.itunes_type(show.type.value)
    fg.mediapub.values = {
        "description_html": fit_html(show.description),
        "explicit": show.explicit,
        "categories": show.categories,
        "guid": show.guid,
        "locked": show.locked,
        "owner_email": show.owner.email if show.owner else None,
        "medium": show.medium.value,
        "persons": show.persons,
        "show": show,
        "image_url": artwork_url,   # itunes:image written here: feedgen refuses a URL with a query
        "trailers": _trailers(settings, built),
    }
    images: dict[str, str] = {}   # image key -> its feed URL: most items share the show's
    for delivered in built.episodes:
        _add_item(fg, settings, built, delivered, images)
    try:
        data: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    except ValueError as error:
        raise FeedError(f"cannot write the feed: {error}", show.path) from None
    return data


def _add_item(fg: FeedGenerator, settings: Settings, built: BuiltShow, delivered: Delivered,
              images: dict[str, str]) -> None:
    show, episode = built.show, delivered.episode
    entry = fg.add_entry(order="append")
    entry.title(episode.title)
    entry.link(href=episode_link(settings, delivered))
    entry.guid(episode.guid, permalink=False)
    html = notes_html(episode.description) or f"<p>{_escape(episode.title)}</p>"
    # <description> within Apple's 4000 bytes; when that cuts the notes, content:encoded
    # carries them whole (only then, so a feed of short notes is not twice the size).
    short = fit_html(episode.description) or html
    entry.content(short, type="CDATA")
    entry.enclosure(enclosure_url(settings, show, delivered.media_key), str(delivered.media_bytes),
                    delivered.media_type)
    image_key = built.image_key(delivered)
    if image_key and image_key not in images:
        images[image_key] = art_url(settings, built, image_key)
    number = episode.episode
    entry.mediapub.values = {
        "published": episode.published,
        "author": show.author,
        "itunes_episode": int(number) if number is not None and float(number).is_integer() else None,
        "episode_type": episode.episode_type.value,
        "full_html": html if short != html else None,
        "image_url": images[image_key] if image_key else None,
        "duration": delivered.duration,
        "explicit": episode.explicit if episode.explicit is not None else show.explicit,
        "season": episode.season,
        "episode": episode.episode,
        "persons": _item_persons(show, episode.persons),
        "chapters_url": settings.url(delivered.chapters_key) if delivered.chapters_key else None,
        "transcripts": [(settings.url(key), kind) for key, kind in delivered.transcripts],
    }


def _item_persons(show: Show, persons: Sequence[Person]) -> tuple[Person, ...]:
    """Item persons replace the channel's, so a guest list repeats the regular hosts."""
    if not persons:
        return ()
    names = {p.name for p in persons}
    return tuple(persons) + tuple(p for p in show.persons if p.name not in names)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def json_feed(settings: Settings, built: BuiltShow) -> bytes:
    """The show's JSON Feed 1.1 as UTF-8 bytes."""
    show = built.show
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": show.title,
        "home_page_url": show_link(settings, show),
        "feed_url": settings.url(show.json_feed_key),
        "description": summary(show.description, 4000),
        "language": show.language,
        "authors": [{"name": show.author}],
    }
    if built.artwork_key:
        feed["icon"] = art_url(settings, built, built.artwork_key)
    if show.websub_hub:
        feed["hubs"] = [{"type": "WebSub", "url": show.websub_hub}]
    feed["_podcast"] = {
        "about": "media-pub: podcast facts not in JSON Feed 1.1",
        "guid": show.guid, "medium": show.medium.value, "type": show.type.value,
        "explicit": show.explicit, "categories": list(show.categories),
        "rss_url": settings.url(show.feed_key),
        **_json_namespace(show),
    }
    items = []
    for delivered in built.episodes:
        episode = delivered.episode
        item: dict[str, Any] = {
            "id": episode.guid,
            "url": episode_link(settings, delivered),
            "title": episode.title,
            "content_html": notes_html(episode.description) or f"<p>{_escape(episode.title)}</p>",
            "summary": summary(episode.description),
            "date_published": rfc3339(episode.published),
            "attachments": [{
                "url": enclosure_url(settings, show, delivered.media_key),
                "mime_type": delivered.media_type,
                "title": episode.title,
                "size_in_bytes": delivered.media_bytes,
                "duration_in_seconds": round(delivered.duration, 3),
            }],
        }
        image_key = built.image_key(delivered)
        if image_key:
            item["image"] = art_url(settings, built, image_key)
        extra: dict[str, Any] = {"episode_type": episode.episode_type.value}
        if episode.season is not None:
            extra["season"] = episode.season
        if episode.episode is not None:   # an integer, as itunes:episode (a half episode keeps its .5)
            extra["episode"] = int(episode.episode) if float(episode.episode).is_integer() else episode.episode
        if delivered.chapters_key:
            extra["chapters_url"] = settings.url(delivered.chapters_key)
        if delivered.transcript_key:
            extra["transcript_url"] = settings.url(delivered.transcript_key)
            extra["transcripts"] = [{"url": settings.url(key), "type": kind} for key, kind in delivered.transcripts]
        item["_podcast"] = extra
        items.append(item)
    feed["items"] = items
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_namespace(show: Show) -> dict[str, Any]:
    """The SPEC 5.3 show keys in JSON Feed's ``_podcast`` extension (only those set)."""
    extra: dict[str, Any] = {}
    if show.funding:
        extra["funding"] = [{"url": f.url, "title": f.title} for f in show.funding]
    if show.license:
        extra["license"] = {k: v for k, v in (("name", show.license.name), ("url", show.license.url)) if v}
    if show.complete:
        extra["complete"] = True
    if show.listen:
        extra["listen"] = dict(show.listen)
    if show.new_feed_url:
        extra["new_feed_url"] = show.new_feed_url
    if show.update_frequency:
        extra["update_frequency"] = {k: v for k, v in (("text", show.update_frequency.text),
                                                       ("rrule", show.update_frequency.rrule)) if v}
    return extra


def chapters_json(delivered_title: str, show: Show, chapters: Sequence[Any]) -> bytes:
    """Podcasting 2.0 JSON chapters (version 1.2.0)."""
    data = {
        "version": "1.2.0",
        "title": delivered_title,
        "podcastName": show.title,
        "chapters": [
            {k: v for k, v in {
                "startTime": round(c.start, 3), "title": c.title, "endTime": c.end,
                "url": c.url, "img": c.img, "toc": None if c.toc else False,
            }.items() if v is not None}
            for c in chapters
        ],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

